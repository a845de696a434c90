/** systemd services through systemctl. */
import { spawnSync } from 'child_process';
import * as path from 'path';
import type { ExecResult, HostReader, HostWriter, ServiceProvider, ServiceStatus } from '../types';

export type SystemctlAction = 'is-active' | 'is-enabled' | 'start' | 'stop' | 'restart' | 'reload' | 'enable' | 'disable' | 'show';

export function systemctlArgv(action: SystemctlAction, name: string): string[] {
  if (action === 'show') return ['systemctl', 'show', '--property=LoadState', '--value', name];
  return ['systemctl', action, name];
}

/** `systemctl is-enabled` states that mean "starts at boot" (static units cannot be disabled). */
const ENABLED = new Set(['enabled', 'enabled-runtime', 'static', 'alias', 'generated', 'indirect']);

/** systemd's unit types: a name ending in one is a unit name, any other gets `.service` (Salt's _canonical_unit_name). */
const UNIT_TYPES = new Set(['service', 'socket', 'device', 'mount', 'automount', 'swap', 'target', 'path', 'timer']);

export function canonicalUnit(name: string): string {
  const dot = name.lastIndexOf('.');
  return dot > 0 && UNIT_TYPES.has(name.slice(dot + 1)) ? name : `${name}.service`;
}

export class SystemdServiceProvider implements ServiceProvider {
  readonly name = 'systemd';

  /** `root`: unit files under this directory instead of / (systemctl --root; Salt's `root`), for masks only. */
  constructor(private readonly opts: { root?: string } = {}) {}

  /** A mask is a unit file linked to /dev/null: under /etc/systemd/system, or /run/systemd/system for a runtime one. */
  async masked(name: string, runtime: boolean, host: HostReader): Promise<boolean> {
    const file = path.join(this.opts.root ?? '/', runtime ? 'run' : 'etc', 'systemd', 'system', canonicalUnit(name));
    return (await host.readlink(file)) === '/dev/null';
  }

  mask = (name: string, runtime: boolean, host: HostWriter) => this.masking('mask', name, runtime, host);
  unmask = (name: string, runtime: boolean, host: HostWriter) => this.masking('unmask', name, runtime, host);

  private async masking(action: 'mask' | 'unmask', name: string, runtime: boolean, host: HostWriter): Promise<void> {
    const root = this.opts.root ? [`--root=${this.opts.root}`] : [];
    const r = await host.run(['systemctl', ...root, action, ...(runtime ? ['--runtime'] : []), name]);
    if (r.code !== 0) throw new Error(`Failed to ${action} service '${name}'${(r.stderr || r.stdout).trim() ? `: ${(r.stderr || r.stdout).trim()}` : ''}`);
  }

  async status(name: string, host: HostReader): Promise<ServiceStatus> {
    const load = await host.probe(systemctlArgv('show', name));
    const exists = load.code === 0 && load.stdout.trim() !== '' && load.stdout.trim() !== 'not-found';
    const active = await host.probe(systemctlArgv('is-active', name));
    const enabled = await host.probe(systemctlArgv('is-enabled', name));
    return { exists, running: active.code === 0, enabled: ENABLED.has(enabled.stdout.trim()) };
  }

  existsSync(name: string): boolean {
    const [cmd, ...args] = systemctlArgv('show', name);
    const r = spawnSync(cmd!, args, { encoding: 'utf8' });
    const out = (r.stdout ?? '').trim();
    return r.status === 0 && out !== '' && out !== 'not-found';
  }

  private async act(action: SystemctlAction, name: string, host: HostWriter): Promise<void> {
    const r: ExecResult = await host.run(systemctlArgv(action, name));
    if (r.code !== 0) throw new Error(`systemctl ${action} ${name} failed with exit code ${r.code}: ${(r.stderr || r.stdout).trim()}`);
  }

  start = (name: string, host: HostWriter) => this.act('start', name, host);
  stop = (name: string, host: HostWriter) => this.act('stop', name, host);
  restart = (name: string, host: HostWriter) => this.act('restart', name, host);
  reload = (name: string, host: HostWriter) => this.act('reload', name, host);
  enable = (name: string, host: HostWriter) => this.act('enable', name, host);
  disable = (name: string, host: HostWriter) => this.act('disable', name, host);
}
