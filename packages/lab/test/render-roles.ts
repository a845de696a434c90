/**
 * Glue between Brine's renderer and the lab (test/dev only, so the lab package does not depend on @brine/render):
 * compile each role node's highstate from states/ + pillar/ with the lab's grains and mine, and render its
 * `salt://` sources. Returns what `applyChunks` needs.
 */
import * as path from 'path';
import { FileRoots } from '@brine/core';
import { Renderer, compilePillar } from '@brine/render';
import { labGrains, labIpAddrs, labMineGet, type Chunk, type ConvergeHooks, type LabConfig } from '@brine/lab';

export const REPO = path.resolve(__dirname, '../../..');

export interface RenderedNode {
  node: string;
  pillar: Record<string, unknown>;
  chunks: Chunk[];
}

export function renderRoles(c: LabConfig, nodes: string[], pillarOverride: (node: string, p: Record<string, any>) => void = () => {}) {
  const states = new FileRoots([path.join(REPO, 'states')]);
  const pillarRoots = new FileRoots([path.join(REPO, 'pillar')]);
  const renderers = new Map<string, Renderer>();
  const out: RenderedNode[] = [];
  for (const node of nodes) {
    const grains = labGrains(c, node);
    const salt = { 'mine.get': labMineGet(c), 'network.ip_addrs': labIpAddrs(c, node) };
    const pillar = compilePillar({ roots: pillarRoots, id: node, grains: grains as any, salt }) as Record<string, any>;
    // the lab may run on another /24 than pillar/common.sls's default (e.g. the e2e test): follow the lab
    pillar['net'] = { ...pillar['net'], cidr: `${c.subnet}.0/24`, vip: c.vip };
    pillarOverride(node, pillar);
    const r = new Renderer({ roots: states, context: { id: node, grains: grains as any, pillar, opts: {}, salt } });
    renderers.set(node, r);
    out.push({ node, pillar, chunks: r.compileHighstate() as unknown as Chunk[] });
  }
  const hooks: ConvergeHooks = {
    source(node, url, template) {
      const buf = states.read(url);
      if (buf === null) throw new Error(`${url}: not in the file roots`);
      return template === 'jinja' ? renderers.get(node)!.renderTemplate(buf.toString('utf8'), url) : buf.toString('utf8');
    },
  };
  return { nodes: out, hooks };
}
