/**
 * Top files (`top.sls`, states and pillar): `env: {target: [sls, ..., {match: type}]}`. The compound matcher is
 * the default, as Salt's confirm_top has it (`'G@os_family:Debian'` or `'web* and G@role:app'` need no `match`; a
 * plain glob means the same through it); non-string entries other than `match` are ignored with a warning. Result: SLS names per env, in file
 * order, de-duplicated.
 */
import { RenderError, errorMessage, isDict, matchTarget, parseTargetType, type Logger, type TargetSubject, type TargetType } from '@brine/core';

export interface TopMatch {
  env: string;
  sls: string;
  /** Line of the target in the top file. */
  line: number | undefined;
}

export function matchTopData(
  data: unknown,
  file: string,
  lineOf: (path: (string | number)[]) => number | undefined,
  subject: TargetSubject,
  nodegroups: Record<string, string | string[]> | undefined,
  log: Logger,
): TopMatch[] {
  const out: TopMatch[] = [];
  if (data === null || data === undefined) return out;
  if (!isDict(data)) throw new RenderError(file, 1, `top file: is not a mapping of environments (start with 'base:')`);
  for (const [env, targets] of Object.entries(data)) {
    if (targets === null || targets === undefined) continue;
    if (!isDict(targets)) throw new RenderError(file, lineOf([env]), `top file: environment '${env}' is not a mapping of targets (write '${env}:\\n  "*":\\n    - sls')`);
    for (const [tgt, entries] of Object.entries(targets)) {
      const line = lineOf([env, tgt]);
      const list = Array.isArray(entries) ? entries : typeof entries === 'string' ? [entries] : [];
      let type: TargetType = 'compound';
      const names: string[] = [];
      for (const entry of list) {
        if (typeof entry === 'string') names.push(entry);
        else if (isDict(entry) && 'match' in entry) {
          try {
            type = parseTargetType(String(entry['match']));
          } catch (e) {
            throw new RenderError(file, line, `top file: ${errorMessage(e)}`);
          }
        } else log.warn(`top file: ignoring entry ${JSON.stringify(entry)} under '${tgt}' (only SLS names and '- match: type' are understood)`, { file, line });
      }
      let matched: boolean;
      try {
        matched = matchTarget({ tgt, type }, subject, { nodegroups });
      } catch (e) {
        throw new RenderError(file, line, `top file: target '${tgt}': ${errorMessage(e)}`);
      }
      if (!matched) continue;
      for (const sls of names) if (!out.some((m) => m.env === env && m.sls === sls)) out.push({ env, sls, line });
    }
  }
  return out;
}
