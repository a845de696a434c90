/** service.* execution functions (Salt 3006 salt/modules/systemd_service.py's shapes) over the service provider. */
import { UsageError } from '@brine/core';
import { LocalHostReader, LocalHostWriter, SystemdServiceProvider } from '@brine/engine';
import type { ServiceProvider } from '@brine/engine';
import { arg, CallResult, truthy, type ExecEnv, type ExecFn, type ExecModule } from './types';

const reader = new LocalHostReader();
const writer = new LocalHostWriter();

function nameOf(fun: string, args: unknown[], kwargs: Record<string, unknown>): string {
  const n = String(arg(args, kwargs, 0, 'name', ''));
  if (!n) throw new UsageError(`service.${fun}: a service name is required`);
  return n;
}

/** Salt returns True when the action worked and False (logged) when it did not; an unknown service is an error. */
function action(fun: 'start' | 'stop' | 'restart' | 'reload' | 'enable' | 'disable'): ExecFn {
  return async (args, kwargs, env: ExecEnv) => {
    const name = nameOf(fun, args, kwargs);
    const svc: ServiceProvider = env.providers().service;
    if (!(await svc.status(name, reader)).exists) return new CallResult(`Service '${name}' not found`, 'error');
    try {
      await svc[fun](name, writer);
      return true;
    } catch (e) {
      env.log.error(`service.${fun} ${name} failed: ${(e as Error).message}`);
      return new CallResult(false, 'error');
    }
  };
}

/** The provider's masks (systemd's), under `root` when given (Salt's `root`: systemctl --root). */
function maskingFor(fun: string, args: unknown[], kwargs: Record<string, unknown>, env: ExecEnv): { name: string; runtime: boolean; svc: Required<Pick<ServiceProvider, 'masked' | 'mask' | 'unmask'>> } {
  const name = nameOf(fun, args, kwargs);
  const runtime = truthy(arg(args, kwargs, 1, 'runtime', false));
  const root = arg(args, kwargs, 2, 'root', null);
  let svc: ServiceProvider = env.providers().service;
  if (!svc.masked || !svc.mask || !svc.unmask) throw new UsageError(`service.${fun}: the ${svc.name} service provider has no masks (systemd's)`);
  if (root !== null && root !== '') svc = new SystemdServiceProvider({ root: String(root) });
  return { name, runtime, svc: svc as Required<Pick<ServiceProvider, 'masked' | 'mask' | 'unmask'>> };
}

/** Salt's mask/unmask: True, or an error naming the service ("Failed to mask service 'x'"). */
function maskAction(fun: 'mask' | 'unmask'): ExecFn {
  return async (args, kwargs, env) => {
    const { name, runtime, svc } = maskingFor(fun, args, kwargs, env);
    // Salt's unmask does nothing when no such mask is set
    if (fun === 'unmask' && !(await svc.masked(name, runtime, reader))) return true;
    try {
      await svc[fun](name, runtime, writer);
      return true;
    } catch (e) {
      return new CallResult((e as Error).message, 'error');
    }
  };
}

export const serviceModule: ExecModule = {
  name: 'service',
  // Salt 3006's systemd_service signatures of the functions without **kwargs (enable, disable, enabled take any).
  params: {
    start: ['name', 'no_block', 'unmask', 'unmask_runtime'],
    stop: ['name', 'no_block'],
    restart: ['name', 'no_block', 'unmask', 'unmask_runtime'],
    reload: ['name', 'no_block', 'unmask', 'unmask_runtime'],
    status: ['name', 'sig'],
    available: ['name'],
    missing: ['name'],
    mask: ['name', 'runtime', 'root'],
    unmask: ['name', 'runtime', 'root'],
    masked: ['name', 'runtime', 'root'],
  },
  docs: {
    start: "Start the named service. Returns True, False on failure.\n\nCLI Example:\n\n    brine run '*' service.start <service name>",
    stop: "Stop the named service. Returns True, False on failure.",
    restart: "Restart the named service. Returns True, False on failure.",
    reload: "Reload the named service (its reload signal or unit). Returns True, False on failure.",
    status: "Whether the named service is running (True/False).",
    enable: "Enable the named service to start at boot. Returns True.",
    disable: "Disable the named service at boot. Returns True.",
    enabled: "Whether the named service starts at boot (True/False).",
    available: "Whether a service of that name exists (True/False).",
    missing: "The inverse of service.available.",
    mask: "Mask the named service with systemd (runtime=True: until the next reboot; root=DIR: unit files under DIR). Returns True.\n\nCLI Example:\n\n    brine run '*' service.mask foo\n    brine run '*' service.mask foo runtime=True",
    unmask: "Unmask the named service (runtime=True: the runtime mask only). Returns True.",
    masked: "Whether the named service is masked: the indefinite mask, or the runtime one with runtime=True (True/False).",
  },
  functions: {
    start: action('start'),
    stop: action('stop'),
    restart: action('restart'),
    reload: action('reload'),
    enable: action('enable'),
    disable: action('disable'),
    status: async (args, kwargs, env) => (await env.providers().service.status(nameOf('status', args, kwargs), reader)).running,
    enabled: async (args, kwargs, env) => (await env.providers().service.status(nameOf('enabled', args, kwargs), reader)).enabled,
    available: async (args, kwargs, env) => (await env.providers().service.status(nameOf('available', args, kwargs), reader)).exists,
    missing: async (args, kwargs, env) => !(await env.providers().service.status(nameOf('missing', args, kwargs), reader)).exists,
    mask: maskAction('mask'),
    unmask: maskAction('unmask'),
    masked: async (args, kwargs, env) => {
      const { name, runtime, svc } = maskingFor('masked', args, kwargs, env);
      return svc.masked(name, runtime, reader);
    },
  },
  // Formulas ask `{% if salt['service.available']('firewalld') %}`: templates get the provider's blocking answer.
  templateFunctions: {
    available: (args, kwargs, env) => existsNow(env, nameOf('available', args, kwargs)),
    missing: (args, kwargs, env) => !existsNow(env, nameOf('missing', args, kwargs)),
  },
};

function existsNow(env: ExecEnv, name: string): boolean {
  const svc = env.providers().service;
  if (!svc.existsSync) throw new UsageError(`service.available: the ${svc.name} service provider cannot answer from a template`);
  return svc.existsSync(name);
}
