// Where the kernel build leaves its artifacts, and a runner for the binutils/gdb commands the
// kernel checks use (argument arrays, no shell).
import { execFileSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { join, resolve } from 'node:path';

export const repoRoot = resolve(__dirname, '..', '..', '..');
export const kernelBuildDir = join(repoRoot, 'build', 'kernel');
export const kernelSrcDir = join(repoRoot, 'kernel', 'src');

/** Path of a kernel artifact; fails with the command that makes it when it is missing. */
export function kernelArtifact(name: string): string {
  const p = join(kernelBuildDir, name);
  if (!existsSync(p)) throw new Error(`${p} is missing: run 'npm run build:kernel' first`);
  return p;
}

export function run(cmd: string, args: string[]): string {
  return execFileSync(cmd, args, { encoding: 'utf8', maxBuffer: 256 << 20 });
}
