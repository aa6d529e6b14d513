// The debugger's tests stop at kernel lines found by `// #BP:<name>` markers: each required
// marker must exist exactly once and sit on a line that has code (gdb is the oracle).
import { strict as assert } from 'node:assert';
import { findMarkers } from './markers';
import { kernelArtifact, run } from './paths';

const REQUIRED = ['kmain', 'ap_main', 'timer_tick', 'smp_online', 'probe_entry', 'probe_call', 'probe_after', 'probe_write',
  'cow_fault', 'fork', 'exec', 'syscall'];

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
