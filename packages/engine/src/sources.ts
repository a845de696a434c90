/** file.managed sources: `salt://` from the (synced) file roots, or an absolute local path / file:// URL. */
import * as fs from 'fs';
import { BrineError, type FileRoots } from '@brine/core';
import type { SourceClient } from './types';

export class RootsSourceClient implements SourceClient {
  constructor(private readonly roots: FileRoots) {}

  fetch(urls: string[]): { url: string; data: Buffer } | null {
    for (const url of urls) {
      const data = this.read(url);
      if (data !== null) return { url, data };
    }
    return null;
  }

  private read(url: string): Buffer | null {
    if (url.startsWith('salt://')) return this.roots.read(url);
    const local = url.startsWith('file://') ? url.slice('file://'.length) : url;
    if (local.startsWith('/')) {
      try {
        return fs.readFileSync(local);
      } catch {
        return null;
      }
    }
    throw new BrineError('source', `source ${url}: unsupported scheme (use salt://, file:// or an absolute path)`);
  }
}
