// A tiny logger interface the core receives from its host (DAP console, CLI stderr, tests).

export interface Logger {
  debug(msg: string): void;
  info(msg: string): void;
  warn(msg: string): void;
}

export const nullLogger: Logger = { debug() {}, info() {}, warn() {} };

export const stderrLogger = (verbose = false): Logger => ({
  debug: m => { if (verbose) process.stderr.write(`[debug] ${m}\n`); },
  info: m => process.stderr.write(`${m}\n`),
  warn: m => process.stderr.write(`warning: ${m}\n`),
});
