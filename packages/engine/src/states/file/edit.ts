/**
 * In-place text edits shared by file.replace, file.line, file.blockreplace and file.append: the state computes
 * the new text from the old one (a pure function), `check` reports Salt's `{diff: ...}`, `apply` writes it
 * atomically (owner and mode kept) after an optional backup. A dry run only ever reads.
 */
import type { Changes, LowChunk } from '@brine/core';
import type { ApplyContext, CheckContext, HostReader, HostWriter, StateFunction } from '../../types';
import { followLink } from './common';
import { saltDiff } from './diff';

export { linesKeepEnds, saltDiff } from './diff';

export interface EditParams {
  name: string;
}

export interface EditPlan {
  /** The path really written (a final symlink followed, like Salt's realpath). */
  target: string;
  old: string;
  next: string;
  /** True when the file does not exist yet and the edit creates it. */
  creates?: boolean;
}

export interface EditSpec<P extends EditParams> {
  parse(ref: string, args: Record<string, unknown>, chunk: LowChunk): P;
  /** null: nothing to do (e.g. ignore_if_missing). Throws to fail the state with that message. */
  plan(p: P, ctx: CheckContext): Promise<EditPlan | null>;
  /** The `diff` change for old -> new. Default: Salt's `get_diff` (unified, empty file names). */
  diff?(old: string, next: string): string;
  /** Where to copy the old file first, or undefined for no backup. */
  backupPath?(p: P, target: string): string | undefined;
  /** Before the write (a missing parent directory for file.append with makedirs). */
  prepare?(p: P, plan: EditPlan, host: HostWriter): Promise<void>;
  okComment(p: P): string;
  testComment(p: P): string;
  /** False when applying again may change the file again by design (StateFunction.recheck). */
  recheck?: boolean | ((p: P) => boolean);
  doneComment(p: P, plan: EditPlan): string;
}

/** The file's text, or null when missing; a directory or other non-file is an error naming the path. */
export async function readText(host: HostReader, name: string): Promise<{ target: string; text: string | null }> {
  const target = await followLink(host, name);
  const info = await host.stat(target);
  if (!info) return { target, text: null };
  if (info.type !== 'file') throw new Error(`${name} is not a file (it is a ${info.type})`);
  const data = await host.readFile(target);
  if (data === null) return { target, text: null };
  if (data.includes(0)) throw new Error(`Cannot perform string replacements on a binary file: ${name}`);
  return { target, text: data.toString('utf8') };
}

/** `Y-m-d-H-M-S` in local time, as Salt names file.line's backups. */
export function timeStamp(d = new Date()): string {
  const p = (n: number) => String(n).padStart(2, '0');
  return `${d.getFullYear()}-${p(d.getMonth() + 1)}-${p(d.getDate())}-${p(d.getHours())}-${p(d.getMinutes())}-${p(d.getSeconds())}`;
}

export function editState<P extends EditParams>(spec: EditSpec<P>): StateFunction<P> {
  const pending = async (p: P, ctx: CheckContext): Promise<{ plan: EditPlan | null; changes: Changes }> => {
    const plan = await spec.plan(p, ctx);
    if (!plan || (plan.old === plan.next && !plan.creates)) return { plan, changes: {} };
    return { plan, changes: { diff: (spec.diff ?? saltDiff)(plan.old, plan.next) } };
  };
  return {
    parse: spec.parse,
    check: async (p, ctx) => (await pending(p, ctx)).changes,
    async apply(p, _pending, ctx: ApplyContext) {
      const { plan, changes } = await pending(p, ctx);
      if (!plan || !Object.keys(changes).length) return { changes: {}, comment: spec.okComment(p) };
      if (spec.prepare) await spec.prepare(p, plan, ctx.host);
      const info = await ctx.host.stat(plan.target);
      const backup = info ? spec.backupPath?.(p, plan.target) : undefined;
      if (backup) await ctx.host.writeFileAtomic(backup, plan.old, { mode: info!.mode, uid: info!.uid, gid: info!.gid });
      await ctx.host.writeFileAtomic(plan.target, plan.next);
      return { changes, comment: spec.doneComment(p, plan) };
    },
    okComment: spec.okComment,
    testComment: spec.testComment,
    ...(spec.recheck !== undefined ? { recheck: spec.recheck } : {}),
  };
}
