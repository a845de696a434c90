/** Confirmation prompts (`Proceed? [n/Y]`); without a TTY the caller must pass -y. */
import * as readline from 'readline';
import { UsageError } from '@brine/core';

export async function confirm(question: string, yes: boolean): Promise<boolean> {
  if (yes) return true;
  if (!process.stdin.isTTY) throw new UsageError(`${question.trim()} needs confirmation: pass -y to proceed without a terminal`);
  const rl = readline.createInterface({ input: process.stdin, output: process.stderr });
  const answer = await new Promise<string>((r) => rl.question(`${question} [n/Y] `, r));
  rl.close();
  return answer.trim() === '' || /^y(es)?$/i.test(answer.trim());
}
