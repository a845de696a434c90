/** The execution environment of a masterless call (`brine call --local`): local roots, local pillar. */
import { FileEnvs, FileRoots, fileRootsOptions, type Logger } from '@brine/core';
import { compilePillar } from '@brine/render';
import type { MinionOpts } from '@brine/config';
import { chooseProviders } from '@brine/engine';
import { templateSalt } from './registry';
import { loadExtensions, minionGrains } from './extensions';
import type { ExecEnv } from './types';

export function localEnv(opts: MinionOpts, log: Logger): ExecEnv {
  // Custom modules, states and grains synced before (saltutil.sync_*, highstate) are loaded from the extension cache.
  loadExtensions(opts.cachedir, log);
  const grains = minionGrains(opts as unknown as Parameters<typeof minionGrains>[0], log);
  let providers: ReturnType<typeof chooseProviders> | undefined;
  const envs = FileEnvs.fromDirs(opts.file_roots, fileRootsOptions(opts));
  const env: ExecEnv = {
    id: opts.id,
    grains,
    pillar: {},
    opts,
    log,
    roots: envs.get('base') ?? new FileRoots([]),
    envs,
    providers: () => (providers ??= chooseProviders(opts)),
  };
  env.pillar = compilePillar({ envs: FileEnvs.fromDirs(opts.pillar_roots), id: opts.id, grains, opts, salt: templateSalt(env), log });
  return env;
}
