/** service.masked / service.unmasked (Salt 3006's salt/states/service.py): systemd masks, indefinite or `runtime`. */
import type { Changes, LowChunk } from '@brine/core';
import { StateArgError } from '@brine/core';
import type { CheckContext, ServiceProvider, StateFunction } from '../types';
import { optBool, type Args } from './util';

interface MaskParams {
  name: string;
  runtime: boolean;
}

function parse(ref: string, args: Args, chunk: LowChunk): MaskParams {
  if (!/^[A-Za-z0-9@_.:-]+$/.test(chunk.name)) throw new StateArgError(ref, 'name', `invalid service name ${JSON.stringify(chunk.name)}`);
  return { name: chunk.name, runtime: optBool(ref, args, 'runtime') ?? false };
}

type Masking = Required<Pick<ServiceProvider, 'masked' | 'mask' | 'unmask'>>;

/** The provider's masks; Salt's comment when it has none (a minion without systemd). */
function masking(ctx: CheckContext): Masking {
  const svc = ctx.providers.service;
  if (!svc.masked || !svc.mask || !svc.unmask) throw new Error('Service masking not available on this minion');
  return svc as Masking;
}

const maskType = (p: MaskParams) => (p.runtime ? 'runtime masked' : 'masked');

/** `want`: masked (true) or unmasked (false). */
function fn(want: boolean): StateFunction<MaskParams> {
  const action = (p: MaskParams) => (want ? maskType(p) : p.runtime ? 'runtime unmasked' : 'unmasked');
  return {
    parse,
    async check(p, ctx): Promise<Changes> {
      const now = await masking(ctx).masked(p.name, p.runtime, ctx.host);
      return now === want ? {} : { [maskType(p)]: { old: now, new: want } };
    },
    async apply(p, pending, ctx) {
      const m = masking(ctx);
      await (want ? m.mask(p.name, p.runtime, ctx.host) : m.unmask(p.name, p.runtime, ctx.host));
      return { changes: pending, comment: `Service ${p.name} was ${action(p)}` };
    },
    okComment: (p) => (want ? `Service ${p.name} is already ${action(p)}` : `Service ${p.name} was already ${action(p)}`),
    testComment: (p) => `Service ${p.name} would be ${action(p)}`,
  };
}

export const masked = fn(true);
export const unmasked = fn(false);
