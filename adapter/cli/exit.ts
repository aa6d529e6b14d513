// Ends the CLI once its output is flushed: the in-process adapter may hold timers (e.g. its
// wait for configurationDone) that would otherwise keep Node alive after the work is done.
import { describeError } from '../common/errors';

export function exitWhenFlushed(code: number): void {
  let pending = 2;
  const done = () => { if (--pending === 0) process.exit(code); };
  process.stdout.write('', done);
  process.stderr.write('', done);
}

/** Runs a subcommand and exits when done, printing a failure as one `exo-debug: …` line. */
export async function runAndExit(work: () => Promise<number>): Promise<number> {
  let code: number;
  try { code = await work(); } catch (e) {
    process.stderr.write(`exo-debug: ${describeError(e)}\n`);
    code = 1;
  }
  exitWhenFlushed(code);
  return code;
}
