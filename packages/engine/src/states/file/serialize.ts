/**
 * file.serialize (Salt 3006): `dataset` (or the pillar value `dataset_pillar` names) written by one of Salt's
 * serializers (`serializer` or `formatter`: yaml by default, json, ...) with Salt's defaults (yaml in block style;
 * json indented by 2 with sorted keys) and `serializer_opts` over them, plus a final newline; with `merge_if_exists`
 * the file's own data is read (`deserializer_opts`) and the dataset merged over it. The file is then managed as
 * file.managed manages `contents` (user, group, mode, makedirs, backup, check_cmd, create...).
 */
import { StateArgError, isDict, type Changes, type LowChunk } from '@brine/core';
import type { ApplyContext, CheckContext, StateFunction } from '../../types';
import { optBool, optStr, type Args } from '../util';
import { managed, parseManaged, type ManagedParams } from './managed';

export interface SerializeParams extends ManagedParams {
  dataset: unknown;
  datasetPillar?: string;
  serializer: string;
  serializerOpts: Record<string, unknown>;
  deserializerOpts: Record<string, unknown>;
  mergeIfExists: boolean;
}

/** Salt's default options per serializer (states/file.py serialize). */
const DEFAULT_OPTS: Record<string, Record<string, unknown>> = {
  yaml: { default_flow_style: false },
  json: { indent: 2, separators: [',', ': '], sort_keys: true },
};

/** `serializer_opts`: a mapping, or a list of one-key mappings (Salt's repack_dictlist). */
function optsList(ref: string, args: Args, field: string): Record<string, unknown> {
  const v = args[field];
  if (v === undefined || v === null) return {};
  if (isDict(v)) return v;
  if (Array.isArray(v) && v.every(isDict)) return Object.assign({}, ...v);
  throw new StateArgError(ref, field, 'expected a mapping or a list of one-key mappings');
}

function parse(ref: string, args: Args, chunk: LowChunk): SerializeParams {
  const serializerArg = optStr(ref, args, 'serializer');
  const formatter = optStr(ref, args, 'formatter');
  if (serializerArg && formatter) throw new StateArgError(ref, 'formatter', 'Only one of serializer and formatter are allowed');
  const serializer = (serializerArg || formatter || 'yaml').toLowerCase();
  const dataset = args['dataset'];
  const datasetPillar = optStr(ref, args, 'dataset_pillar');
  if (datasetPillar && dataset !== undefined && dataset !== null && dataset !== '' && !(isDict(dataset) && !Object.keys(dataset).length)) {
    throw new StateArgError(ref, 'dataset_pillar', "Only one of 'dataset' and 'dataset_pillar' is permitted");
  }
  if (!datasetPillar && (dataset === undefined || dataset === null)) throw new StateArgError(ref, 'dataset', "Neither 'dataset' nor 'dataset_pillar' was defined");
  const { contents: _c, source: _s, template: _t, ...rest } = args;
  return {
    ...parseManaged(ref, rest, chunk),
    dataset,
    datasetPillar: datasetPillar || undefined,
    serializer,
    serializerOpts: { ...DEFAULT_OPTS[serializer], ...optsList(ref, args, 'serializer_opts') },
    deserializerOpts: optsList(ref, args, 'deserializer_opts'),
    mergeIfExists: optBool(ref, args, 'merge_if_exists') ?? false,
  };
}

/** The file.managed parameters with the serialized contents. */
async function withContents(p: SerializeParams, ctx: CheckContext): Promise<SerializeParams> {
  const t = ctx.template;
  if (!t.serialize) throw new Error('file.serialize: no serializers in this run');
  let data = p.dataset;
  if (p.datasetPillar) {
    if (!ctx.exec) throw new Error('file.serialize: dataset_pillar needs the pillar, which this run does not have');
    data = (await ctx.exec.call('pillar.get', [p.datasetPillar], {})).ret;
  }
  if (data === undefined || data === null) throw new Error("Neither 'dataset' nor 'dataset_pillar' was defined");
  if (p.mergeIfExists) {
    const buf = await ctx.host.readFile(p.name);
    if (buf !== null) {
      const text = buf.toString('utf8');
      let existing: unknown;
      try {
        existing = t.deserialize!(p.serializer, text, p.deserializerOpts);
      } catch (e) {
        throw new Error(`Failed to deserialize existing data: ${(e as Error).message}`);
      }
      if (existing !== null && existing !== undefined) data = t.mergeRecurse!(existing, data);
    }
  }
  let contents: string;
  try {
    contents = t.serialize(p.serializer, data, p.serializerOpts);
  } catch (e) {
    throw new Error(/not found/.test((e as Error).message) ? `The ${p.serializer} serializer could not be found. It either does not exist or its prerequisites are not installed.` : (e as Error).message);
  }
  return { ...p, contents: `${contents}\n` };
}

export const serialize: StateFunction<SerializeParams> = {
  parse,
  async check(p, ctx): Promise<Changes> {
    return managed.check(await withContents(p, ctx), ctx);
  },
  async apply(p, pending, ctx: ApplyContext) {
    return managed.apply(await withContents(p, ctx), pending, ctx);
  },
  okComment: (p) => managed.okComment!(p),
  testChanges: (p, pending) => managed.testChanges!(p, pending),
  testComment: (p) => `Dataset will be serialized and stored into ${p.name}`,
};
