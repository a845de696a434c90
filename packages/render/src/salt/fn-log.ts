/** log.* (salt/modules/logmod.py): a message to the minion's log; each returns True. */
import type { FunctionTable, SaltTemplateContext } from './context';
import { fn, str } from './py';

export function logFunctions(c: SaltTemplateContext): FunctionTable {
  const to = (name: string, write: (m: string) => void) =>
    fn(name, ['message'], (v) => {
      write(str(v['message']));
      return true;
    });
  return {
    'log.debug': to('debug', (m) => c.log.debug(m)),
    'log.info': to('info', (m) => c.log.info(m)),
    'log.warning': to('warning', (m) => c.log.warn(m)),
    'log.error': to('error', (m) => c.log.error(m)),
    'log.critical': to('critical', (m) => c.log.error(m, { level: 'critical' })),
    'log.exception': to('exception', (m) => c.log.error(m, { level: 'exception' })),
  };
}
