// The debugger's tests stop at kernel lines found by `// #BP:<name>` markers: each required
// marker must exist exactly once and sit on a line that has code (gdb is the oracle).
import { strict as assert } from 'node:assert';
import { readdirSync, readFileSync, statSync } from 'node:fs';
import { join, relative } from 'node:path';
import { kernelArtifact, kernelSrcDir, run } from './paths';

const REQUIRED = ['kmain', 'ap_main', 'timer_tick', 'smp_online', 'probe_entry', 'probe_call', 'probe_after', 'probe_write'];

interface Marker {
  file: string; // relative to kernel/
  line: number;
}

function sources(dir: string): string[] {
  return readdirSync(dir).flatMap((n) => {
    const p = join(dir, n);
    return statSync(p).isDirectory() ? sources(p) : p.endsWith('.rs') ? [p] : [];
  });
}

function findMarkers(): Map<string, Marker[]> {
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

describe('kernel #BP markers', () => {
  const markers = findMarkers();

  it('every required marker exists exactly once', () => {
    for (const name of REQUIRED) {
      const at = markers.get(name) ?? [];
      assert.equal(at.length, 1, `#BP:${name} found ${at.length} times: ${JSON.stringify(at)}`);
    }
  });

  it('every marker line has code in exo.elf (gdb info line)', function () {
    this.timeout(60000);
    const names = [...markers.keys()];
    const args = ['-batch', '-nx'];
    for (const n of names) {
      const m = markers.get(n)![0];
      args.push('-ex', 'echo @@MARKER\\n', '-ex', `info line ${m.file}:${m.line}`);
    }
    args.push(kernelArtifact('exo.elf'));
    // One block per query; gdb may repeat a line once per codegen unit that has it.
    const blocks = run('gdb', args).split('@@MARKER\n').slice(1);
    assert.equal(blocks.length, names.length, `gdb answered ${blocks.length} of ${names.length} queries`);
    blocks.forEach((b, i) => {
      const first = b.split('\n').find((l) => l.startsWith('Line ')) ?? b;
      assert.match(first, /starts at address 0xffffffff8[0-9a-f]+ </, `#BP:${names[i]}: ${first}`);
    });
  });
});
