/** Core grains (Salt 3006.1's core grain set); the implementation is split by topic under grains/ — see grains/index.ts. */
export * from './grains/index';
