/** What the minion's components need from the authenticated request channel. */
export interface Requester {
  /** Send a sealed request body; resolves with the reply's data, rejects on an error reply or timeout. */
  request(body: Record<string, unknown> & { kind: string }, timeoutMs?: number): Promise<unknown>;
}

import { BrineError } from '@brine/core';
import { RequestError, type ReplyCode } from '@brine/protocol';

/** The master answered, with an error (a pillar that does not render, a missing file): not a connectivity problem. */
export class MasterError extends BrineError {
  /** The master's reply code: `retry` means it could not store the request now (its disk is full): send it again. */
  readonly reply: ReplyCode | undefined;
  constructor(message: string, reply?: ReplyCode) {
    super('master', message);
    this.reply = reply;
  }

  get retryable(): boolean {
    return this.reply === 'retry';
  }
}

/** No answer from the master within the time allowed (or no session with it): the master is away. */
export class MasterUnreachable extends BrineError {
  constructor(message: string, options?: { cause?: unknown }) {
    super('unreachable', message, options);
  }
}

/**
 * Did `e` show that the master is unreachable? Only then may a run converge from the local cache. Anything else
 * (a local write error such as ENOSPC, a bad reply, the master's own error) fails the run instead.
 */
export function isUnreachable(e: unknown): boolean {
  return e instanceof MasterUnreachable || (e instanceof RequestError && e.reason !== 'closed');
}


