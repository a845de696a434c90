/**
 * The operator's requests on the control channel, one handler per operation of `controlOps` (packages/protocol/src/
 * control/messages.ts): `ControlHandlers` is a mapped type over them, so an operation without a handler here does
 * not compile. Request bodies arrive validated.
 */
import { globMatch, UsageError } from '@brine/core';
import type { ControlHandlers, ControlSink, ReplyOf } from '@brine/protocol';
import type { WatchSink } from './jobs';
import { runRunner } from './runners/run';
import type { Master } from './server';

const FUNCTION_NAME = /^[a-z_][a-z0-9_]*\.[a-z_][a-z0-9_]*$/i;

export function controlHandlers(m: Master): ControlHandlers {
  return {
    'keys.changed': (_req, sink) => sink.end({ removed: m.reconcileKeys() }),
    match: (req, sink) => sink.end({ minions: m.expectedMinions(req.tgt, req.tgt_type ?? 'glob') }),
    status: (_req, sink) => {
      const accepted = m.keys.list().accepted;
      sink.end({ fingerprint: m.fingerprint, ports: m.ports, minions: Object.fromEntries(accepted.map((id) => [id, m.connected(id) ? 'connected' : 'not connected'] as const)) });
    },
    'mine.get': (req, sink) => {
      sink.end({ data: m.mine.get(req.tgt, req.fun, req.tgt_type ?? 'glob', m.registry, new Set(m.keys.list().accepted), m.opts.nodegroups, null) });
    },
    publish: async (req, sink) => {
      if (!FUNCTION_NAME.test(req.fun)) throw new UsageError(`'${req.fun}' is not a function name (module.function)`);
      const { jid, expected } = await m.publish({ tgt: req.tgt, tgtType: req.tgt_type ?? 'glob', fun: req.fun, arg: req.arg ?? [], kwarg: req.kwarg ?? {}, user: req.user });
      if (req.async) {
        sink.end({ jid, expected });
        return;
      }
      sink.event({ event: 'job', jid, expected });
      const timeoutMs = Math.max(1, req.timeout ?? m.opts.timeout) * 1000;
      m.watch(jid, expected, watchSink(sink), timeoutMs, (req.max_wait ?? 3600) * 1000);
    },
    'event.listen': (req, sink) => {
      const glob = req.match ?? '*';
      const off = m.events.subscribe((e) => {
        if (globMatch(glob, e.tag)) sink.event({ tag: e.tag, data: e.data });
      });
      // The stream ends when the listener goes away.
      sink.signal.addEventListener('abort', () => off(), { once: true });
    },
    runner: (req, sink) => runRunner(m, req, sink),
  };
}

/** A job watch reports through the publish operation's events and reply. */
function watchSink(sink: ControlSink<'publish'>): WatchSink {
  return {
    event: (data) => sink.event(data as Parameters<typeof sink.event>[0]),
    end: ({ ok: _ok, ...reply }) => sink.end(reply as ReplyOf<'publish'>),
  };
}
