/**
 * The state-module contract (DESIGN.md section 4). The engine owns test mode: `check` only ever gets a reader;
 * a writer is constructed only for a real run, so a dry run cannot write by construction.
 */
import { BrineError, type Changes, type Logger, type LowChunk, type ResultValue } from '@brine/core';

export interface FileInfo {
  type: 'file' | 'directory' | 'symlink' | 'other';
  /** Permission bits only (mode & 0o7777). */
  mode: number;
  uid: number;
  gid: number;
  size: number;
}

export interface ExecOptions {
  cwd?: string;
  env?: Record<string, string>;
  /** Run through this shell (`/bin/sh` default when the command is a string). */
  shell?: string;
  /** Run as this user (via runuser/su when we are root). */
  runas?: string;
  input?: string;
  timeoutMs?: number;
}

export interface ExecResult {
  code: number;
  stdout: string;
  stderr: string;
  pid?: number;
}

export interface UserInfo {
  name: string;
  uid: number;
  gid: number;
  home: string;
  shell: string;
  gecos: string;
}

export interface GroupInfo {
  name: string;
  gid: number;
  members: string[];
}

/** Read-only view of the host. Everything a `check` may touch. */
export interface HostReader {
  readFile(path: string): Promise<Buffer | null>;
  /** lstat: does not follow a final symlink. null when missing. */
  lstat(path: string): Promise<FileInfo | null>;
  /** stat: follows symlinks. null when missing. */
  stat(path: string): Promise<FileInfo | null>;
  readlink(path: string): Promise<string | null>;
  readdir(path: string): Promise<string[] | null>;
  /** A read-only probe: dpkg-query, systemctl is-active, `unless`/`onlyif` guards. */
  probe(cmd: string | string[], opts?: ExecOptions): Promise<ExecResult>;
  user(name: string): Promise<UserInfo | null>;
  group(name: string): Promise<GroupInfo | null>;
}

/** The mutating side. Only the engine constructs one, and never in test mode. */
export interface HostWriter extends HostReader {
  /** Temp file in the same directory + fsync + rename; mode/owner applied before the rename. */
  writeFileAtomic(path: string, data: Buffer | string, opts?: { mode?: number; uid?: number; gid?: number }): Promise<void>;
  mkdir(path: string, opts?: { mode?: number; recursive?: boolean; uid?: number; gid?: number }): Promise<void>;
  chmod(path: string, mode: number): Promise<void>;
  chown(path: string, uid: number, gid: number): Promise<void>;
  /** Remove a file, symlink or directory tree. */
  remove(path: string): Promise<void>;
  /** Create or atomically replace a symlink. */
  symlink(target: string, path: string): Promise<void>;
  rename(from: string, to: string): Promise<void>;
  /** A mutating command. */
  run(cmd: string | string[], opts?: ExecOptions): Promise<ExecResult>;
}

/** Resolves `salt://` sources (and absolute local paths) to bytes. Synchronous: the minion syncs its cache first. */
export interface SourceClient {
  /** Bytes of the first source that exists, with the URL that won; null if none exists. Throws on path escape. */
  fetch(urls: string[]): { url: string; data: Buffer } | null;
  /**
   * The tree under a `salt://` directory (file.recurse): its files and its directories (empty ones too), as paths
   * relative to it, sorted; null when no root has that directory. Throws on path escape.
   */
  list?(url: string): { files: string[]; dirs: string[] } | null;
  /** The file on this host that holds `url` (archive.extracted hands it to tar/unzip), null when missing. */
  localPath?(url: string): string | null;
  /** The sources of a state of another saltenv (its `__env__`). */
  forEnv?(env: string): SourceClient;
}

/** Renders a file template (file.managed `template: jinja`) with the run's context plus `extra`. */
export interface TemplateRenderer {
  render(text: string, file: string, extra: Record<string, unknown>, saltenv?: string): string;
  /** Salt's serializers (`yaml`, `json`, ...), for file.serialize; throws on an unknown one. */
  serialize?(serializer: string, data: unknown, options: Record<string, unknown>): string;
  deserialize?(serializer: string, text: string, options: Record<string, unknown>): unknown;
  /** salt.utils.dictupdate.merge_recurse(a, b): a copy of `a` with `b` merged in (file.serialize merge_if_exists). */
  mergeRecurse?(a: unknown, b: unknown): unknown;
}

export interface PkgProvider {
  readonly name: string;
  /** Installed version of each package, null when not installed. */
  installed(names: string[], host: HostReader): Promise<Record<string, string | null>>;
  /** Candidate (newest available) version, null when unknown. */
  candidate(names: string[], host: HostReader): Promise<Record<string, string | null>>;
  install(pkgs: { name: string; version?: string }[], host: HostWriter): Promise<void>;
  remove(names: string[], host: HostWriter): Promise<void>;
  /** Packages removed with their configuration left behind (dpkg's `config-files`), by version; null otherwise. */
  residual(names: string[], host: HostReader): Promise<Record<string, string | null>>;
  /** Remove the packages and their configuration (installed or residual). */
  purge(names: string[], host: HostWriter): Promise<void>;
}

export interface ServiceStatus {
  running: boolean;
  enabled: boolean;
  /** False when the provider does not know the service at all. */
  exists: boolean;
}

export interface ServiceProvider {
  readonly name: string;
  status(name: string, host: HostReader): Promise<ServiceStatus>;
  start(name: string, host: HostWriter): Promise<void>;
  stop(name: string, host: HostWriter): Promise<void>;
  restart(name: string, host: HostWriter): Promise<void>;
  reload(name: string, host: HostWriter): Promise<void>;
  enable(name: string, host: HostWriter): Promise<void>;
  disable(name: string, host: HostWriter): Promise<void>;
  /** Whether the service exists, answered without waiting (templates call service.available); absent: templates cannot ask. */
  existsSync?(name: string): boolean;
  /** systemd's masks (Salt has them on systemd minions only): `runtime` is the mask under /run, else the one under /etc. */
  masked?(name: string, runtime: boolean, host: HostReader): Promise<boolean>;
  mask?(name: string, runtime: boolean, host: HostWriter): Promise<void>;
  unmask?(name: string, runtime: boolean, host: HostWriter): Promise<void>;
}

export interface Providers {
  pkg: PkgProvider;
  service: ServiceProvider;
}

/**
 * Calls execution functions (`mod.fun`) for module.run. The registry lives in packages/modules, which depends on
 * the engine, so whoever runs states passes it in (RunOptions.exec); without it module.run fails clearly.
 */
export interface ExecCaller {
  /** True when `fun` exists. */
  has(fun: string): boolean;
  /** Call it; `ok` is false when the function reported a failure (its outcome, not its value). Throws on bad usage. */
  call(fun: string, args: unknown[], kwargs: Record<string, unknown>): Promise<{ ret: unknown; ok: boolean }>;
}

interface BaseContext {
  files: SourceClient;
  /** Execution functions, for module.run (absent when the caller gave none). */
  exec?: ExecCaller;
  /** Data the chunks of one run share (file.accumulated -> file.blockreplace); in memory, never the host. */
  shared?: Map<string, unknown>;
  template: TemplateRenderer;
  providers: Providers;
  log: Logger;
  chunk: LowChunk;
  /** For mod_watch: the `watch` targets that changed, as `state: id` (Salt's test.mod_watch lists them). */
  watched?: string[];
}

export interface CheckContext extends BaseContext {
  host: HostReader;
}

export interface ApplyContext extends BaseContext {
  host: HostWriter;
}

/** What `apply`/`watch` may report beyond the pending changes. */
export interface ApplyOutcome {
  changes?: Changes;
  comment?: string;
}

/**
 * One state function (`file.managed`, `service.running`, ...).
 * - `parse` validates and normalises arguments (throws StateArgError); it runs at compile time, so a bad
 *   argument fails the whole run before anything is applied.
 * - `check` is read-only; `{}` means converged.
 * - `apply` makes the pending changes; the engine then runs `check` again unless `recheck` is false.
 * - `watch` is Salt's mod_watch: called when a watched state changed (service restart, cmd re-run).
 */
export interface StateFunction<P = unknown> {
  parse(ref: string, args: Record<string, unknown>, chunk: LowChunk): P;
  check(p: P, ctx: CheckContext): Promise<Changes>;
  apply(p: P, pending: Changes, ctx: ApplyContext): Promise<ApplyOutcome | void>;
  watch?(p: P, ctx: ApplyContext): Promise<ApplyOutcome>;
  /** A dry run's comment where a watched state changed: what Salt's mod_watch says in test mode. */
  watchTestComment?(p: P, ctx: CheckContext): Promise<string>;
  /** The changes that dry run reports (default none): Salt's cmd.mod_watch reports `{cmd: name}`. */
  watchTestChanges?(p: P): Changes;
  /** A mod_watch that changes nothing on the host (Salt's test.mod_watch): a dry run reports what it says, as Salt. */
  watchDry?(p: P, ctx: CheckContext): Promise<ApplyOutcome>;
  /** After check(): why `watch` would do nothing (a cmd guard), so a dry run reports what the real run will do. */
  watchSkipped?(p: P): string | undefined;
  /** False for functions whose effect is not observable afterwards (cmd.run without `creates`). */
  recheck?: boolean | ((p: P) => boolean);
  /** Comment for a converged state, e.g. `File /etc/x is in the correct state`. */
  okComment?(p: P): string;
  /** Comment for a converged state in test mode, where Salt's differs from okComment (ini.options_present). */
  testOkComment?(p: P): string;
  /** Comment for a pending change in test mode, e.g. `The file /etc/x is set to be changed`; `pending`: what check found. */
  testComment?(p: P, pending?: Changes): string;
  /** The `changes` a dry run reports (default: the pending changes). Salt reports `{}` for some kinds (file.copy, cron). */
  testChanges?(p: P, pending: Changes): Changes;
  /** The result a dry run reports where something is pending (default None); Salt's test states say otherwise. */
  testResult?(p: P, pending?: Changes): ResultValue;
}

/** A state module: its functions by name. One module per file under states/. */
export interface StateModule {
  readonly name: string;
  readonly functions: Record<string, StateFunction<any>>;
}

/** Thrown by `apply`/`watch` to fail a state while still reporting what happened (cmd.run's retcode and output). */
export class StateFailure extends BrineError {
  constructor(message: string, readonly changes: Changes) {
    super('state-failed', message, { outcome: 'failed' });
  }
}
