/** service.running / dead / enabled / disabled over the host's service provider, with mod_watch; masked / unmasked in service-mask.ts. */
import type { Changes, LowChunk } from '@brine/core';
import { StateArgError } from '@brine/core';
import type { ApplyContext, CheckContext, ServiceStatus, StateFunction, StateModule } from '../types';
import { optBool, type Args } from './util';
import { masked, unmasked } from './service-mask';

export interface ServiceParams {
  name: string;
  enable?: boolean;
  reload: boolean;
}

function parse(ref: string, args: Args, chunk: LowChunk): ServiceParams {
  if (!/^[A-Za-z0-9@_.:-]+$/.test(chunk.name)) throw new StateArgError(ref, 'name', `invalid service name ${JSON.stringify(chunk.name)}`);
  return { name: chunk.name, enable: optBool(ref, args, 'enable'), reload: optBool(ref, args, 'reload') ?? false };
}

async function status(p: ServiceParams, ctx: CheckContext): Promise<ServiceStatus> {
  const st = await ctx.providers.service.status(p.name, ctx.host);
  if (!st.exists) throw new Error(`The named service ${p.name} is not available`);
  return st;
}

type Want = { running?: boolean; enabled?: boolean };

async function pending(p: ServiceParams, ctx: CheckContext, want: Want): Promise<Changes> {
  const st = await status(p, ctx);
  const c: Changes = {};
  if (want.running !== undefined && st.running !== want.running) c[p.name] = true;
  if (want.enabled !== undefined && st.enabled !== want.enabled) c['enabled'] = { old: st.enabled, new: want.enabled };
  return c;
}

async function converge(p: ServiceParams, ctx: ApplyContext, want: Want): Promise<string[]> {
  const st = await status(p, ctx);
  const svc = ctx.providers.service;
  const said: string[] = [];
  if (want.enabled === true && !st.enabled) {
    await svc.enable(p.name, ctx.host);
    said.push(`Service ${p.name} has been enabled`);
  } else if (want.enabled === false && st.enabled) {
    await svc.disable(p.name, ctx.host);
    said.push(`Service ${p.name} has been disabled`);
  }
  if (want.running === true && !st.running) {
    await svc.start(p.name, ctx.host);
    said.push(`Started service ${p.name}`);
  } else if (want.running === false && st.running) {
    await svc.stop(p.name, ctx.host);
    said.push(`Service ${p.name} was killed`);
  }
  return said;
}

function fn(want: (p: ServiceParams) => Want, ok: (p: ServiceParams) => string, test: (p: ServiceParams) => string, watchable: boolean): StateFunction<ServiceParams> {
  const f: StateFunction<ServiceParams> = {
    parse,
    check: (p, ctx) => pending(p, ctx, want(p)),
    async apply(p, pend, ctx) {
      const said = await converge(p, ctx, want(p));
      return { changes: pend, comment: said.join(', ') };
    },
    okComment: ok,
    testComment: test,
  };
  if (watchable) {
    // Salt's service.mod_watch: restart (or reload) a running service, start a stopped one.
    f.watch = async (p, ctx) => {
      const st = await status(p, ctx);
      const svc = ctx.providers.service;
      if (!st.running) {
        await svc.start(p.name, ctx.host);
        return { changes: { [p.name]: true }, comment: 'Service started' };
      }
      if (p.reload) {
        await svc.reload(p.name, ctx.host);
        return { changes: { [p.name]: true }, comment: 'Service reloaded' };
      }
      await svc.restart(p.name, ctx.host);
      return { changes: { [p.name]: true }, comment: 'Service restarted' };
    };
    f.watchTestComment = async (p, ctx) => `Service is set to be ${!(await status(p, ctx)).running ? 'started' : p.reload ? 'reloaded' : 'restarted'}`;
  }
  return f;
}

const enabledPart = (p: ServiceParams) => (p.enable === undefined ? {} : { enabled: p.enable });

export const running = fn(
  (p) => ({ running: true, ...enabledPart(p) }),
  (p) => `The service ${p.name} is already running`,
  (p) => `Service ${p.name} is set to start`,
  true,
);
export const dead = fn(
  (p) => ({ running: false, ...enabledPart(p) }),
  (p) => `The service ${p.name} is already dead`,
  (p) => `Service ${p.name} is set to be killed`,
  false,
);
export const enabled = fn(
  () => ({ enabled: true }),
  (p) => `Service ${p.name} is already enabled, and is in the desired state`,
  (p) => `Service ${p.name} set to be enabled`,
  false,
);
export const disabled = fn(
  () => ({ enabled: false }),
  (p) => `Service ${p.name} is already disabled, and is in the desired state`,
  (p) => `Service ${p.name} set to be disabled`,
  false,
);

export const serviceModule: StateModule = { name: 'service', functions: { running, dead, enabled, disabled, masked, unmasked } };
