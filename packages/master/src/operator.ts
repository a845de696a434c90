/** The operator's requests on the control channel: publish (and stream returns), match, status, keys, mine. */
import { parseTargetType, UsageError, type Dict } from '@brine/core';
import type { ControlReplySink, ControlRequest } from './control';
import type { Master } from './server';

export async function handleControl(m: Master, req: ControlRequest, sink: ControlReplySink): Promise<void> {
  switch (req.op) {
    case 'keys.changed':
      sink.end({ ok: true, removed: m.reconcileKeys() });
      return;
    case 'match': {
      const type = parseTargetType(String(req['tgt_type'] ?? 'glob'));
      sink.end({ ok: true, minions: m.expectedMinions(req['tgt'] as string, type) });
      return;
    }
    case 'status': {
      const accepted = m.keys.list().accepted;
      sink.end({ ok: true, fingerprint: m.fingerprint, ports: m.ports, minions: Object.fromEntries(accepted.map((id) => [id, m.connected(id) ? 'connected' : 'not connected'])) });
      return;
    }
    case 'mine.get': {
      const type = parseTargetType(String(req['tgt_type'] ?? 'glob'));
      sink.end({ ok: true, data: m.mine.get(req['tgt'] as string, String(req['fun']), type, m.registry, new Set(m.keys.list().accepted), m.opts.nodegroups, null) });
      return;
    }
    case 'publish': {
      const tgtType = parseTargetType(String(req['tgt_type'] ?? 'glob'));
      const fun = String(req['fun'] ?? '');
      if (!/^[a-z_][a-z0-9_]*\.[a-z_][a-z0-9_]*$/i.test(fun)) throw new UsageError(`'${fun}' is not a function name (module.function)`);
      const arg = Array.isArray(req['arg']) ? (req['arg'] as unknown[]) : [];
      const kwarg = (req['kwarg'] ?? {}) as Dict;
      const { jid, expected } = await m.publish({ tgt: req['tgt'] as string, tgtType, fun, arg, kwarg });
      if (req['async']) {
        sink.end({ ok: true, jid, expected });
        return;
      }
      sink.event({ event: 'job', jid, expected });
      const timeoutMs = Math.max(1, Number(req['timeout'] ?? m.opts.timeout)) * 1000;
      m.watch(jid, expected, sink, timeoutMs, Number(req['max_wait'] ?? 3600) * 1000);
      return;
    }
    default:
      sink.end({ ok: false, error: `unknown operation '${req.op}'` });
  }
}
