/** ANSI colours as Salt uses them; off when not a TTY, with --no-color, or NO_COLOR set. */
export interface Palette {
  green(s: string): string;
  cyan(s: string): string;
  red(s: string): string;
  yellow(s: string): string;
  lightGreen(s: string): string;
}

const wrap = (code: string) => (s: string) => `\x1b[${code}m${s}\x1b[0m`;

export function palette(enabled: boolean): Palette {
  if (!enabled) {
    const id = (s: string) => s;
    return { green: id, cyan: id, red: id, yellow: id, lightGreen: id };
  }
  return { green: wrap('0;32'), cyan: wrap('0;36'), red: wrap('0;31'), yellow: wrap('0;33'), lightGreen: wrap('1;32') };
}
