// The workspace the e2e suite opens: a .code-workspace file in a temp folder whose only
// folder is this checkout and which carries the launch configurations, so nothing is
// written into the repository (no .vscode/launch.json).
import * as assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { ROOT } from './vsix';

export const KERNEL_ELF = path.join(ROOT, 'build', 'kernel', 'exo.elf');
export const ENTRY_CONFIG = 'Exo e2e: stop at entry';
export const BREAKPOINT_CONFIG = 'Exo e2e: run to breakpoints';

export function writeWorkspace(dir: string): string {
  const launch = (name: string, stopAtEntry: boolean) => ({
    type: 'exo-kernel', request: 'launch', name,
    // Built by `npm test` before the suites run; no buildCommand keeps F5 fast.
    kernel: '${workspaceFolder}/build/kernel/exo.elf', cpus: 4, memory: '256M', stopAtEntry,
  });
  const file = path.join(dir, 'exo-e2e.code-workspace');
  fs.writeFileSync(file, JSON.stringify({
    folders: [{ path: ROOT }],
    launch: { version: '0.2.0', configurations: [launch(ENTRY_CONFIG, true), launch(BREAKPOINT_CONFIG, false)] },
  }, null, 2));
  return file;
}

export interface Marker { relPath: string; line: number }

function sources(dir: string): string[] {
  return fs.readdirSync(dir, { withFileTypes: true }).flatMap(d => {
    const p = path.join(dir, d.name);
    return d.isDirectory() ? sources(p) : /\.(rs|S|s)$/.test(d.name) ? [p] : [];
  });
}

/** The one line of kernel/src carrying `#BP:name`; fails when it is missing or appears twice. */
export function findMarker(name: string): Marker {
  const re = new RegExp(`#BP:${name}(?!\\w)`);
  const hits: Marker[] = [];
  for (const f of sources(path.join(ROOT, 'kernel', 'src'))) {
    fs.readFileSync(f, 'utf8').split('\n').forEach((text, i) => {
      if (re.test(text)) hits.push({ relPath: path.relative(ROOT, f), line: i + 1 });
    });
  }
  assert.equal(hits.length, 1, `marker #BP:${name} must appear exactly once in kernel/src, found ${hits.length}`);
  return hits[0];
}
