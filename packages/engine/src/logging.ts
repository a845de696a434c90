/**
 * Daemon logs: JSON lines through winston, to a file and (in the foreground) to stderr. Secrets never reach a log:
 * metadata fields that can carry them (pillar, keys, tokens, job returns) are replaced by a marker.
 */
import * as fs from 'fs';
import * as path from 'path';
import { RepeatLimiter, type Logger } from '@brine/core';

const SECRET_FIELDS = /^(pillar|ret|data|privatePem|sessionKey|pubKey|key|token|password|secret|contents)$/i;

export function redact(meta: Record<string, unknown> | undefined): Record<string, unknown> | undefined {
  if (!meta) return meta;
  const out: Record<string, unknown> = {};
  for (const [k, v] of Object.entries(meta)) out[k] = SECRET_FIELDS.test(k) ? '[redacted]' : v;
  return out;
}

export interface DaemonLogOptions {
  file?: string;
  level?: string;
  console?: boolean;
  base?: Record<string, unknown>;
  /** Rotate the file at this size (bytes; default 10 MiB), keeping `backups` older files (default 5). */
  maxBytes?: number;
  backups?: number;
  /** The same warning or error more than this many times a minute is counted, not logged (default 20). */
  repeatsPerMinute?: number;
}

export function createDaemonLogger(o: DaemonLogOptions): Logger {
  // Loaded lazily: the masterless CLI never pays for winston.
  // eslint-disable-next-line @typescript-eslint/no-require-imports
  const winston = require('winston') as typeof import('winston');
  const transports: import('winston').transport[] = [];
  if (o.file) {
    fs.mkdirSync(path.dirname(o.file), { recursive: true, mode: 0o700 });
    // `options` replaces winston's default open flags: without `flags: 'a'` every start would truncate the log.
    transports.push(
      new winston.transports.File({ filename: o.file, options: { flags: 'a', mode: 0o600 }, maxsize: o.maxBytes ?? 10 * 1024 * 1024, maxFiles: (o.backups ?? 5) + 1, tailable: true }),
    );
  }
  if (o.console !== false) transports.push(new winston.transports.Console({ stderrLevels: ['error', 'warn', 'info', 'debug'] }));
  const w = winston.createLogger({
    level: o.level ?? 'info',
    format: winston.format.combine(winston.format.timestamp(), winston.format.json()),
    defaultMeta: o.base,
    transports,
  });
  const repeats = new RepeatLimiter(o.repeatsPerMinute ?? 20, (msg, dropped) => w.warn('repeated message not logged one by one', { message: msg, dropped }));
  const wrap = (child: import('winston').Logger): Logger => ({
    debug: (msg, meta) => child.debug(msg, redact(meta)),
    info: (msg, meta) => child.info(msg, redact(meta)),
    warn: (msg, meta) => repeats.allow(msg) && child.warn(msg, redact(meta)),
    error: (msg, meta) => repeats.allow(msg) && child.error(msg, redact(meta)),
    child: (meta) => wrap(child.child(meta)),
  });
  return wrap(w);
}
