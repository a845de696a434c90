/**
 * `brine orchestrate SLS [pillar='{...}'] [test=True] [saltenv=ENV]`, like `salt-run state.orchestrate`: the master
 * renders the orchestrate SLS from its file_roots and runs its steps (salt.state, salt.function, salt.runner,
 * salt.wait_for_event) in requisite order. Output is the highstate output of the steps under the master's id; a
 * failed step exits with the failed code, an SLS that does not render or compile with the error code (exit.ts).
 */
import type { GlobalOpts } from '../globals';
import { runnerCommand } from './runner';

export async function orchestrateCommand(sls: string, words: string[], o: GlobalOpts): Promise<number> {
  return runnerCommand('state.orchestrate', [sls, ...words], o);
}
