/**
 * A fake package provider behind the real interface, for tests and the lab where nothing can really be installed.
 * Its "package database" is a JSON file: `{"available": {"name": "version"}, "installed": {"name": "version"}}`.
 * Reads go through the HostReader and writes through the HostWriter, so test mode cannot change it either.
 */
import * as fs from 'fs';
import type { HostReader, HostWriter, PkgProvider } from '../types';

interface Db {
  available: Record<string, string>;
  installed: Record<string, string>;
}

export class FakePkgProvider implements PkgProvider {
  readonly name = 'fake';
  constructor(
    readonly dbPath: string,
    /** Versions offered when the DB file does not say (or does not exist yet). */
    private readonly defaults: Record<string, string> = {},
  ) {}

  async read(host: HostReader): Promise<Db> {
    return this.parse(await host.readFile(this.dbPath));
  }

  /** The same, with a blocking read: for templates, which cannot wait (pkg.version in Jinja). */
  readSync(): Db {
    let buf: Buffer | null = null;
    try {
      buf = fs.readFileSync(this.dbPath);
    } catch {
      /* no database yet: nothing installed */
    }
    return this.parse(buf);
  }

  private parse(buf: Buffer | null): Db {
    let db: Partial<Db> = {};
    if (buf) {
      try {
        db = JSON.parse(buf.toString('utf8')) as Partial<Db>;
      } catch (e) {
        throw new Error(`fake package DB ${this.dbPath}: invalid JSON (${(e as Error).message})`);
      }
    }
    return { available: { ...this.defaults, ...db.available }, installed: { ...db.installed } };
  }

  private async write(host: HostWriter, db: Db): Promise<void> {
    await host.writeFileAtomic(this.dbPath, JSON.stringify(db, null, 2) + '\n');
  }

  async installed(names: string[], host: HostReader): Promise<Record<string, string | null>> {
    const db = await this.read(host);
    return Object.fromEntries(names.map((n) => [n, db.installed[n] ?? null]));
  }

  async candidate(names: string[], host: HostReader): Promise<Record<string, string | null>> {
    const db = await this.read(host);
    return Object.fromEntries(names.map((n) => [n, db.available[n] ?? null]));
  }

  async install(pkgs: { name: string; version?: string }[], host: HostWriter): Promise<void> {
    const db = await this.read(host);
    for (const p of pkgs) {
      const v = p.version ?? db.available[p.name];
      if (!v) throw new Error(`E: Unable to locate package ${p.name}`);
      db.installed[p.name] = v;
    }
    await this.write(host, db);
  }

  /** The fake keeps no configuration files: nothing is residual, and purge is remove. */
  async residual(names: string[]): Promise<Record<string, string | null>> {
    return Object.fromEntries(names.map((n) => [n, null]));
  }
  purge(names: string[], host: HostWriter): Promise<void> {
    return this.remove(names, host);
  }

  async remove(names: string[], host: HostWriter): Promise<void> {
    const db = await this.read(host);
    for (const n of names) delete db.installed[n];
    await this.write(host, db);
  }
}
