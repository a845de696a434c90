/**
 * Publishes this minion's mine data: `mine_functions` from the minion config, overridden by pillar, in Salt's two
 * forms (list of positional args / kwargs dicts, or an alias with `mine_function`). Runs after acceptance, every
 * `mine_interval` minutes, and on `mine.update`.
 */
import { errorMessage, isDict, parseTargetType, type Dict, type Logger, type TargetType } from '@brine/core';
import { CallResult, lookupFunction } from '@brine/modules';
import type { MinionCore } from './core';

export interface MineFunction {
  name: string;
  fun: string;
  args: unknown[];
  kwargs: Dict;
  /** `allow_tgt` / `allow_tgt_type`: only minions matching this may read the function's data. */
  allow?: { tgt: string | string[]; tgtType: TargetType };
}

/** Normalise `mine_functions` (config or pillar) into calls. */
export function parseMineFunctions(spec: unknown): MineFunction[] {
  if (!isDict(spec)) return [];
  const out: MineFunction[] = [];
  for (const [name, raw] of Object.entries(spec)) {
    let fun = name;
    const args: unknown[] = [];
    const kwargs: Dict = {};
    const take = (item: unknown) => {
      if (isDict(item)) {
        for (const [k, v] of Object.entries(item)) {
          if (k === 'mine_function') fun = String(v);
          else kwargs[k] = v;
        }
      } else args.push(item);
    };
    if (Array.isArray(raw)) raw.forEach(take);
    else if (isDict(raw)) take(raw);
    else if (raw !== null && raw !== undefined && raw !== '') args.push(raw);
    const f: MineFunction = { name, fun, args, kwargs };
    if (kwargs['allow_tgt'] !== undefined) {
      f.allow = { tgt: Array.isArray(kwargs['allow_tgt']) ? kwargs['allow_tgt'].map(String) : String(kwargs['allow_tgt']), tgtType: parseTargetType(String(kwargs['allow_tgt_type'] ?? 'glob')) };
    }
    delete kwargs['allow_tgt'];
    delete kwargs['allow_tgt_type'];
    out.push(f);
  }
  return out;
}

export class MineReporter {
  private timer: NodeJS.Timeout | undefined;

  constructor(private readonly core: MinionCore, private readonly log: Logger) {}

  functions(): MineFunction[] {
    const fromPillar = this.core.pillar['mine_functions'];
    return parseMineFunctions(isDict(fromPillar) ? { ...this.core.opts.mine_functions, ...fromPillar } : this.core.opts.mine_functions);
  }

  async update(): Promise<Dict> {
    const fns = this.functions();
    const env = this.core.execEnv(this.log);
    const data: Dict = {};
    const acl: Dict = {};
    for (const f of fns) {
      if (f.allow) acl[f.name] = f.allow;
      try {
        const r = await lookupFunction(f.fun)(f.args, f.kwargs, env);
        data[f.name] = r instanceof CallResult ? r.ret : r;
      } catch (e) {
        this.log.warn('mine function failed', { name: f.name, fun: f.fun, error: errorMessage(e) });
      }
    }
    if (fns.length) await this.core.connection.request({ kind: 'mine.update', data, acl });
    return data;
  }

  schedule(): void {
    clearInterval(this.timer);
    const minutes = this.core.opts.mine_interval;
    if (!(minutes > 0)) return;
    this.timer = setInterval(() => void this.update().catch((e) => this.log.warn('mine update failed', { error: errorMessage(e) })), minutes * 60_000);
    this.timer.unref();
  }

  stop(): void {
    clearInterval(this.timer);
  }
}
