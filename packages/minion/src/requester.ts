/** What the minion's components need from the authenticated request channel. */
export interface Requester {
  /** Send a sealed request body; resolves with the reply's data, rejects on an error reply or timeout. */
  request(body: Record<string, unknown> & { kind: string }, timeoutMs?: number): Promise<unknown>;
}

/** The master answered, with an error (a pillar that does not render, a missing file): not a connectivity problem. */
export class MasterError extends Error {
  override readonly name = 'MasterError';
}
