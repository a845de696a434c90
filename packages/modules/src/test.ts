import type { ExecModule } from './types';

export const testModule: ExecModule = {
  name: 'test',
  functions: {
    ping: () => true,
    true: () => true,
    false: () => false,
    echo: (args) => String(args[0] ?? ''),
    arg: (args, kwargs) => ({ args, kwargs }),
    version: () => '0.1.0',
    sleep: async (args) => {
      const s = Number(args[0] ?? 1);
      await new Promise((r) => setTimeout(r, s * 1000));
      return true;
    },
  },
};
