// Runs the launch configuration's buildCommand before QEMU starts, streaming its output to the
// Debug Console. The command is the user's own shell line, so it goes to `sh -c` as one argv
// element (never spliced into another command).
import { spawn } from 'node:child_process';
import { ExoError } from '../common/errors';

export interface BuildResult { code: number; durationMs: number }

export function runBuild(command: string, cwd: string, onOutput: (text: string) => void, timeoutMs = 10 * 60_000): Promise<BuildResult> {
  const t0 = Date.now();
  return new Promise((resolve, reject) => {
    let child;
    try {
      child = spawn('/bin/sh', ['-c', command], { cwd, stdio: ['ignore', 'pipe', 'pipe'], env: process.env });
    } catch (e) {
      reject(new ExoError('user', `buildCommand could not start in ${cwd}: ${e instanceof Error ? e.message : String(e)}`));
      return;
    }
    const timer = setTimeout(() => {
      child.kill('SIGKILL');
      reject(new ExoError('timeout', `buildCommand "${command}" ran longer than ${Math.round(timeoutMs / 1000)} s and was stopped.`));
    }, timeoutMs);
    child.stdout.setEncoding('utf8').on('data', (s: string) => onOutput(s));
    child.stderr.setEncoding('utf8').on('data', (s: string) => onOutput(s));
    child.on('error', e => {
      clearTimeout(timer);
      reject(new ExoError('user', `buildCommand could not start in ${cwd}: ${e.message}`));
    });
    child.on('close', (code, signal) => {
      clearTimeout(timer);
      const durationMs = Date.now() - t0;
      if (code === 0) { resolve({ code, durationMs }); return; }
      reject(new ExoError('user', `buildCommand "${command}" failed (${code !== null ? `exit code ${code}` : `signal ${signal}`}): see its output above and fix the build.`));
    });
  });
}
