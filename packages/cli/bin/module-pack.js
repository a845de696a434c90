/**
 * Module packs: a short `brine` command spends most of its time loading ~100-250 CommonJS files, and measured here
 * the cost is per file (resolving the name: stats and package.json reads; reading it) more than compiling: yaml's
 * 72 files take ~27 ms of CPU, the same code from memory ~8 ms. So each command keeps, in one file of its own (a
 * pack), what loading its modules found last time: the name resolutions, the sources, and V8's compiled code for
 * them. The next run reads that one file and loads its modules through Node's own loader (real Module objects,
 * require, __dirname), served from memory.
 *
 * Nothing stale is used: a module is taken from the pack only when its file's mtime and size still match (one stat);
 * a relative resolution only when its target still exists and the directory it was found in has not changed (a
 * file added there, `x.js` beside `x/index.js`, could win now); the whole pack is dropped when node_modules changes (npm's
 * .package-lock.json) or the Node binary or its flags differ. Anything not in the pack loads from disk, and the pack
 * is written again when the process exits (atomically). Packs are code: they live in a directory of the user's
 * (0700) and are ignored when it is not owned by the user or is writable by others. BRINE_COMPILE_CACHE=0 turns
 * this off; BRINE_COMPILE_CACHE=DIR moves it (default ~/.cache/brine). Node 22's module.enableCompileCache would
 * cover the compiling only; Node 20 has none.
 */
'use strict';
const Module = require('module');
const fs = require('fs');
const os = require('os');
const path = require('path');
const vm = require('vm');

const MAGIC = Buffer.from('BRINEPK2');
/** Brine's checkout: only its own files and its node_modules are packed (never a user's, e.g. from a state tree). */
const REPO = path.resolve(__dirname, '../../..');

/** A 32-bit FNV-1a hash (loading `crypto` for a directory name would cost more than it saves). */
function fnv1a(s) {
  let h = 0x811c9dc5;
  for (let i = 0; i < s.length; i++) h = Math.imul(h ^ s.charCodeAt(i), 0x01000193) >>> 0;
  return h;
}

/** The directory for this Node binary and these flags (V8 refuses code compiled under other flags anyway). */
function cacheDir() {
  const env = process.env['BRINE_COMPILE_CACHE'];
  if (env === '0' || env === 'off') return undefined;
  const base = env || (process.env['XDG_CACHE_HOME'] ? path.join(process.env['XDG_CACHE_HOME'], 'brine') : path.join(os.homedir(), '.cache', 'brine'));
  const flags = fnv1a(process.execArgv.join('\0')).toString(16).padStart(8, '0');
  return path.join(base, `packs-${process.version}-${process.arch}-${flags}`);
}

/** The packs' directory and its parent (the cache base) are this user's and writable by no one else. */
function usable(dir) {
  fs.mkdirSync(dir, { recursive: true, mode: 0o700 });
  return [dir, path.dirname(dir)].every((d) => {
    const st = fs.statSync(d);
    const uid = typeof process.getuid === 'function' ? process.getuid() : st.uid;
    return st.isDirectory() && st.uid === uid && (st.mode & 0o022) === 0;
  });
}

/** Changes when the installed packages do (npm rewrites node_modules/.package-lock.json on every install). */
function layoutStamp(root) {
  const st = fs.statSync(path.join(root, 'node_modules', '.package-lock.json'), { bigint: true, throwIfNoEntry: false });
  return `${root}:${st ? `${st.mtimeNs}:${st.size}` : 'none'}`;
}

/**
 * Pack file: MAGIC, header length (u32 LE), header JSON {stamp, res: {"dir\0request": [file, mtime ns of the
 * directory a relative request was looked up in, or null]}, mods: [{f, m, s, so, sl, co, cl}]} (file, mtime ns, size,
 * source and code offsets/lengths in the data), then the data.
 */
function readPack(file, stamp) {
  let buf;
  try {
    buf = fs.readFileSync(file);
  } catch {
    return undefined;
  }
  try {
    if (buf.length < 12 || !buf.subarray(0, 8).equals(MAGIC)) return undefined;
    const hlen = buf.readUInt32LE(8);
    const header = JSON.parse(buf.toString('utf8', 12, 12 + hlen));
    if (header.stamp !== stamp) return undefined;
    const data = buf.subarray(12 + hlen);
    const mods = new Map(header.mods.map((e) => [e.f, e]));
    return { res: header.res, mods, data };
  } catch {
    return undefined;
  }
}

function writePack(file, stamp, res, records) {
  const pieces = [];
  let off = 0;
  const mods = [];
  for (const r of records) {
    const src = Buffer.from(r.content, 'utf8');
    const code = r.code ?? Buffer.alloc(0);
    mods.push({ f: r.f, m: r.m, s: r.s, so: off, sl: src.length, co: off + src.length, cl: code.length });
    pieces.push(src, code);
    off += src.length + code.length;
  }
  const header = Buffer.from(JSON.stringify({ stamp, res, mods }), 'utf8');
  const len = Buffer.alloc(4);
  len.writeUInt32LE(header.length);
  const tmp = `${file}.${process.pid}.tmp`;
  try {
    fs.writeFileSync(tmp, Buffer.concat([MAGIC, len, header, ...pieces]), { mode: 0o600 });
    fs.renameSync(tmp, file);
  } catch {
    try {
      fs.rmSync(tmp, { force: true });
    } catch {
      /* nothing to clean up */
    }
  }
}

/** The `require` Node gives a module (lib/internal/modules/helpers.js makeRequireFunction). */
function requireFor(mod) {
  const req = (id) => mod.require(id);
  req.resolve = (request, options) => Module._resolveFilename(request, mod, false, options);
  req.resolve.paths = (request) => Module._resolveLookupPaths(request, mod);
  req.main = process.mainModule;
  req.extensions = Module._extensions;
  req.cache = Module._cache;
  return req;
}

const statOf = (f) => fs.statSync(f, { bigint: true, throwIfNoEntry: false });

/**
 * The directory a relative or absolute request is looked up in (its candidates `x`, `x.js`, `x/` live there), as a
 * path stat() reads (`/a/b/./x` is left as is: path.resolve on every require costs more than the rest of the hook).
 */
function lookupDir(from, request) {
  if (path.isAbsolute(request)) return path.dirname(request);
  if (!request.startsWith('.')) return undefined;
  const i = request.lastIndexOf('/');
  return i < 0 ? `${from}/${request}/..` : `${from}/${request.slice(0, i)}`;
}

/**
 * Load the modules under `root` through the pack named `name` (one per command) for the rest of this process.
 * Returns false, changing nothing, when packs cannot be used here; otherwise a handle: `discard()` keeps this run
 * from writing the pack, `keepIf(test)` asks `test()` before writing one (the CLI: is the word a command? so typos
 * leave no packs behind, and the question costs nothing when there is nothing to write).
 */
function install(name, root = REPO) {
  const mine = (f) => f.startsWith(`${root}${path.sep}`);
  let file;
  let stamp;
  try {
    const dir = cacheDir();
    if (!dir || process.execArgv.some((f) => f.startsWith('--enable-source-maps') || f.startsWith('--inspect')) || !usable(dir)) return false;
    // One pack per command and checkout: two checkouts side by side (a clone beside an install) never evict each other.
    file = path.join(dir, `${String(name).replace(/[^A-Za-z0-9_.-]/g, '_')}-${fnv1a(root).toString(16)}.pack`);
    stamp = layoutStamp(root);
  } catch {
    return false;
  }
  const pack = readPack(file, stamp);
  const res = pack ? pack.res : {};
  /** This run's modules: what a new pack will hold (with the old pack's entries this run did not need). */
  const used = new Map();
  /** Stats taken while resolving, reused when loading; directories' mtimes, once per process. */
  const stats = new Map();
  const dirTimes = new Map();
  const dirTime = (d) => {
    if (!dirTimes.has(d)) dirTimes.set(d, statOf(d)?.mtimeNs.toString() ?? null);
    return dirTimes.get(d);
  };
  let dirty = !pack;
  let discarded = false;
  let keep = () => true;
  /** The module about to be compiled: its stat and (when served from the pack) its pack entry. */
  let loading;

  const resolve = Module._resolveFilename;
  Module._resolveFilename = function (request, parent, isMain, options) {
    if (isMain || options || !parent || !parent.filename || !mine(parent.filename) || Module.isBuiltin(request)) return resolve.apply(this, arguments);
    const from = path.dirname(parent.filename);
    const key = `${from}\0${request}`;
    const dir = lookupDir(from, request);
    const hit = res[key];
    if (hit !== undefined && (dir === undefined || hit[1] === dirTime(dir))) {
      const st = statOf(hit[0]);
      if (st && st.isFile()) {
        stats.set(hit[0], st);
        return hit[0];
      }
    }
    const f = resolve.apply(this, arguments);
    if (mine(f)) {
      res[key] = [f, dir === undefined ? null : dirTime(dir)];
      dirty = true;
    }
    return f;
  };

  const loadJs = Module._extensions['.js'];
  Module._extensions['.js'] = function (module, filename) {
    if (!mine(filename)) return loadJs.call(this, module, filename);
    const st = stats.get(filename) ?? statOf(filename);
    const e = pack?.mods.get(filename);
    if (st && e && String(st.mtimeNs) === e.m && Number(st.size) === e.s) {
      loading = { filename, st, e };
      return module._compile(pack.data.toString('utf8', e.so, e.so + e.sl), filename);
    }
    dirty = true;
    loading = { filename, st };
    return loadJs.call(this, module, filename);
  };

  const compile = Module.prototype._compile;
  Module.prototype._compile = function (content, filename) {
    const l = loading?.filename === filename ? loading : undefined;
    loading = undefined;
    if (!l?.st || content.startsWith('#!') || !filename.endsWith('.js')) return compile.call(this, content, filename);
    const cachedData = l.e && l.e.cl > 0 ? pack.data.subarray(l.e.co, l.e.co + l.e.cl) : undefined;
    let script;
    try {
      script = new vm.Script(Module.wrap(content), { filename, cachedData, importModuleDynamically: vm.constants.USE_MAIN_CONTEXT_DEFAULT_LOADER });
    } catch {
      return compile.call(this, content, filename); // a syntax error (reported by Node's own loader), or ESM syntax
    }
    const fresh = cachedData === undefined || script.cachedDataRejected;
    if (fresh) dirty = true;
    used.set(filename, { f: filename, m: String(l.st.mtimeNs), s: Number(l.st.size), content, code: fresh ? undefined : cachedData, script });
    const fn = script.runInThisContext({ displayErrors: true });
    return fn.call(this.exports, this.exports, requireFor(this), this, filename, path.dirname(filename));
  };

  process.once('exit', () => {
    if (!dirty || discarded || !keep()) return;
    try {
      const records = [...used.values()].map((r) => (r.code ? r : { ...r, code: r.script.createCachedData() }));
      // Entries of the old pack this run did not load stay while their files do (another path of the same command
      // may need them); resolutions stay while their targets exist.
      for (const [f, e] of pack?.mods ?? []) {
        if (used.has(f)) continue;
        const st = statOf(f);
        if (st && String(st.mtimeNs) === e.m && Number(st.size) === e.s) records.push({ f, m: e.m, s: e.s, content: pack.data.toString('utf8', e.so, e.so + e.sl), code: pack.data.subarray(e.co, e.co + e.cl) });
      }
      const kept = new Set(records.map((r) => r.f));
      const live = Object.fromEntries(Object.entries(res).filter(([, [f]]) => kept.has(f) || stats.has(f) || statOf(f)));
      writePack(file, stamp, live, records);
    } catch {
      /* the next run loads from disk */
    }
  });
  return {
    discard() {
      discarded = true;
    },
    keepIf(test) {
      keep = test;
    },
  };
}

module.exports = { install, cacheDir };
