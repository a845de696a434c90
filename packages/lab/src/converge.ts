/**
 * A stand-in for highstate while the daemons are being built: applies a node's low chunks (compiled by Brine's
 * renderer from states/ + pillar/ and a mine) with the real files, commands and services, inside the node.
 * It understands the kinds the HA roles use (pkg.installed: check only, never installs; file.directory;
 * file.managed with template/check_cmd/mode; sysctl.present; cmd.run with unless/onlyif/onchanges;
 * service.running) and applies them in the order given (the renderer's requisite order).
 */
import * as path from 'path';
import type { LabConfig } from './config';
import { nodeExec, nodeExecOk } from './exec';
import { startService } from './services';

/** The fields of core's LowChunk this needs. */
export interface Chunk {
  id: string;
  name: string;
  state: string;
  fun: string;
  sls: string;
  args: Record<string, unknown>;
  requisites: Partial<Record<string, { kind: string; target: string }[]>>;
}

export interface ConvergeHooks {
  /** Contents of a `salt://` source: rendered with Jinja for this node when `template` is `jinja`. */
  source(node: string, url: string, template: string | undefined, chunk: Chunk): string;
}

export interface ChunkResult {
  tag: string;
  changed: boolean;
  comment: string;
}

const list = (v: unknown): string[] => (v === undefined || v === null ? [] : Array.isArray(v) ? v.map(String) : [String(v)]);

async function sh(c: LabConfig, node: string, cmd: string): Promise<number> {
  return (await nodeExec(c, node, ['/bin/sh', '-c', cmd], { timeoutMs: 30000 })).code;
}

async function writeFile(c: LabConfig, node: string, file: string, content: string, mode: string): Promise<boolean> {
  const old = await nodeExec(c, node, ['cat', file]);
  if (old.code === 0 && old.stdout === content) {
    await nodeExecOk(c, node, ['chmod', mode, file]);
    return false;
  }
  await nodeExecOk(c, node, ['sh', '-c', 'cat > "$1.brine-new" && chmod "$2" "$1.brine-new" && mv -f "$1.brine-new" "$1"', 'sh', file, mode], { input: content });
  return true;
}

export async function applyChunks(c: LabConfig, node: string, chunks: Chunk[], hooks: ConvergeHooks): Promise<ChunkResult[]> {
  const changed = new Set<string>();
  const results: ChunkResult[] = [];
  const refChanged = (refs: { kind: string; target: string }[] | undefined) =>
    (refs ?? []).some((r) => chunks.some((x) => (x.state === r.kind || r.kind === 'id') && (x.id === r.target || x.name === r.target) && changed.has(`${x.state}|${x.id}|${x.name}`)));
  for (const ch of chunks) {
    const key = `${ch.state}|${ch.id}|${ch.name}`;
    const tag = `${ch.state}.${ch.fun} ${ch.id}${ch.name !== ch.id ? ` (${ch.name})` : ''}`;
    const a = ch.args;
    let didChange = false;
    let comment = '';
    const kind = `${ch.state}.${ch.fun}`;
    if (kind === 'pkg.installed') {
      const pkgs = a['pkgs'] ? list(a['pkgs']) : [ch.name];
      for (const p of pkgs) {
        if ((await nodeExec(c, node, ['dpkg-query', '-W', '-f=${Status}', p])).stdout.trim() !== 'install ok installed') {
          throw new Error(`lab: [${node}] ${tag}: package ${p} is not installed on this host (install it with apt first)`);
        }
      }
      comment = 'installed';
    } else if (kind === 'file.directory') {
      didChange = (await sh(c, node, `test -d '${ch.name}'`)) !== 0;
      await nodeExecOk(c, node, ['mkdir', '-p', ch.name]);
      if (a['mode']) await nodeExecOk(c, node, ['chmod', String(a['mode']), ch.name]);
    } else if (kind === 'file.managed') {
      const src = list(a['source'])[0];
      if (!src) throw new Error(`lab: [${node}] ${tag}: no source`);
      const content = hooks.source(node, src, a['template'] as string | undefined, ch);
      if (a['makedirs']) await nodeExecOk(c, node, ['mkdir', '-p', path.posix.dirname(ch.name)]);
      if (a['check_cmd']) {
        const tmp = `/tmp/brine-check-${path.posix.basename(ch.name)}`;
        await nodeExecOk(c, node, ['sh', '-c', 'cat > "$1"', 'sh', tmp], { input: content });
        const r = await nodeExec(c, node, ['/bin/sh', '-c', `${a['check_cmd']} ${tmp}`]);
        await nodeExec(c, node, ['rm', '-f', tmp]);
        if (r.code !== 0) throw new Error(`lab: [${node}] ${tag}: check_cmd failed (${r.code}): ${(r.stderr || r.stdout).trim()}`);
      }
      didChange = await writeFile(c, node, ch.name, content, String(a['mode'] ?? '0644'));
    } else if (kind === 'sysctl.present') {
      const want = String(a['value']);
      const cur = (await nodeExecOk(c, node, ['sysctl', '-n', ch.name])).trim();
      if (cur !== want) {
        await nodeExecOk(c, node, ['sysctl', '-qw', `${ch.name}=${want}`]);
        didChange = true;
      }
    } else if (kind === 'cmd.run') {
      let run = true;
      if (ch.requisites['onchanges']?.length && !refChanged(ch.requisites['onchanges'])) run = false;
      for (const u of list(a['unless'])) if (run && (await sh(c, node, u)) === 0) run = false;
      for (const o of list(a['onlyif'])) if (run && (await sh(c, node, o)) !== 0) run = false;
      if (run) {
        const r = await nodeExec(c, node, ['/bin/sh', '-c', ch.name]);
        if (r.code !== 0) throw new Error(`lab: [${node}] ${tag}: exit ${r.code}: ${(r.stderr || r.stdout).trim()}`);
        didChange = true;
      }
    } else if (kind === 'service.running') {
      await startService(c, node, ch.name);
      comment = 'running';
    } else {
      throw new Error(`lab: [${node}] ${tag}: ${kind} is not supported by the lab's stand-in converge`);
    }
    if (didChange) changed.add(key);
    results.push({ tag, changed: didChange, comment });
  }
  return results;
}
