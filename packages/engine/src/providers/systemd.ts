/** systemd services through systemctl. */
import { spawnSync } from 'child_process';
import type { ExecResult, HostReader, HostWriter, ServiceProvider, ServiceStatus } from '../types';

export type SystemctlAction = 'is-active' | 'is-enabled' | 'start' | 'stop' | 'restart' | 'reload' | 'enable' | 'disable' | 'show';

export function systemctlArgv(action: SystemctlAction, name: string): string[] {
  if (action === 'show') return ['systemctl', 'show', '--property=LoadState', '--value', name];
  return ['systemctl', action, name];
}

/** `systemctl is-enabled` states that mean "starts at boot" (static units cannot be disabled). */
const ENABLED = new Set(['enabled', 'enabled-runtime', 'static', 'alias', 'generated', 'indirect']);

export class SystemdServiceProvider implements ServiceProvider {
  readonly name = 'systemd';

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
