export { Renderer, type RendererOptions } from './renderer';
export { compilePillar, type PillarOptions } from './pillar';
export { loadSaltYaml, saltYamlTags } from './yaml/load';
export type { RenderContext, HighState, SaltFunction } from './types';
