export { Renderer, type RendererOptions } from './renderer';
export { compilePillar, type PillarOptions } from './pillar';
export { loadSaltYaml, parseSaltYaml, saltYamlTags, type ParsedYaml } from './yaml/load';
export type { RenderContext, HighState, SaltFunction } from './types';
export { inSubnet, networkOf } from './salt/ipaddr';
export { PyRandom } from './salt/pyrandom';
export { saltSample } from './salt/filters-random';
export { fromWireData, toWireData } from './salt/wire-data';
export { merge as saltMerge, traverseDictAndList } from './salt/data';
