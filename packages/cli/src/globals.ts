import type { OutOptions } from './output';

export interface GlobalOpts {
  configDir: string;
  outOptions: OutOptions;
}
