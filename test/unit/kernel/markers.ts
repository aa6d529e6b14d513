// Finds `// #BP:<name>` markers in the kernel sources (tests stop at lines by marker, never by
// number).
import { readdirSync, readFileSync, statSync } from 'node:fs';
import { join, relative } from 'node:path';
import { kernelSrcDir } from './paths';

export interface Marker {
  file: string; // relative to kernel/
  line: number;
}

function sources(dir: string): string[] {
  return readdirSync(dir).flatMap((n) => {
    const p = join(dir, n);
    return statSync(p).isDirectory() ? sources(p) : p.endsWith('.rs') ? [p] : [];
  });
}

export function findMarkers(): Map<string, Marker[]> {
  const found = new Map<string, Marker[]>();
  for (const path of sources(kernelSrcDir)) {
    readFileSync(path, 'utf8').split('\n').forEach((text, i) => {
      for (const m of text.matchAll(/#BP:([A-Za-z0-9_]+)/g)) {
        const list = found.get(m[1]) ?? [];
        list.push({ file: relative(join(kernelSrcDir, '..'), path), line: i + 1 });
        found.set(m[1], list);
      }
    });
  }
  return found;
}

/** The single location of a marker; throws when it is missing or not unique. */
export function marker(name: string): Marker {
  const at = findMarkers().get(name) ?? [];
  if (at.length !== 1) throw new Error(`#BP:${name} found ${at.length} times in kernel/src`);
  return at[0];
}
