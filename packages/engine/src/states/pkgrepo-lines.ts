/** apt source lines and dnf .repo sections, as pkgrepo.managed and pkgrepo.absent read and write them. */

export interface AptLine {
  type: string;
  arch: string[];
  signedby: string;
  uri: string;
  dist: string;
  comps: string[];
  disabled: boolean;
}

export function parseAptLine(line: string): AptLine | null {
  let s = line.trim();
  let disabled = false;
  if (s.startsWith('#')) {
    disabled = true;
    s = s.replace(/^#\s*/, '');
  }
  const m = /^(deb|deb-src)\s+(?:\[([^\]]*)\]\s+)?(\S+)\s+(\S+)\s*(.*)$/.exec(s);
  if (!m) return null;
  const opts = (m[2] ?? '').split(/\s+/).filter(Boolean);
  const opt = (k: string) => opts.find((o) => o.startsWith(`${k}=`))?.slice(k.length + 1);
  return { type: m[1], arch: opt('arch')?.split(',') ?? [], signedby: opt('signed-by') ?? '', uri: m[3], dist: m[4], comps: m[5].replace(/\s+#.*$/, '').split(/\s+/).filter(Boolean), disabled };
}

export function renderAptLine(l: AptLine, comments?: string): string {
  const opts = [...(l.arch.length ? [`arch=${l.arch.join(',')}`] : []), ...(l.signedby ? [`signed-by=${l.signedby}`] : [])];
  return `${l.disabled ? '# ' : ''}${l.type} ${opts.length ? `[${opts.join(' ')}] ` : ''}${l.uri} ${l.dist}${l.comps.length ? ` ${l.comps.join(' ')}` : ''}${comments ? ` # ${comments}` : ''}`;
}

/** dnf .repo files: sections of key=value lines (comments and blank lines kept with their section). */
export function parseIni(text: string): { head: string[]; sections: { id: string; lines: string[] }[] } {
  const out = { head: [] as string[], sections: [] as { id: string; lines: string[] }[] };
  for (const line of text.split('\n')) {
    const m = /^\s*\[([^\]]+)\]\s*$/.exec(line);
    if (m) out.sections.push({ id: m[1], lines: [] });
    else if (out.sections.length) out.sections[out.sections.length - 1].lines.push(line);
    else out.head.push(line);
  }
  return out;
}

