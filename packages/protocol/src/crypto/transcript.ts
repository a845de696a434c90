/**
 * Unambiguous byte strings to sign or to bind as AEAD associated data: a domain tag, then each part as a
 * 4-byte big-endian length and its bytes. Distinct tags keep a signature made for one purpose from being
 * valid for another (an auth signature can never pass as a publication signature).
 */
export type TranscriptPart = string | number | Buffer | null | undefined;

export function transcript(tag: string, ...parts: TranscriptPart[]): Buffer {
  const bufs: Buffer[] = [];
  for (const p of [tag, ...parts]) {
    const b = Buffer.isBuffer(p) ? p : Buffer.from(p === null || p === undefined ? '' : String(p), 'utf8');
    const len = Buffer.alloc(4);
    len.writeUInt32BE(b.length);
    bufs.push(len, b);
  }
  return Buffer.concat(bufs);
}
