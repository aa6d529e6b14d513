// The host target's core may use the red zone; our crate must not (-C no-redzone), and every
// interrupt runs on an IST stack (checked in QEMU by idt_all_gates_use_ist). This scans the
// linked kernel and attributes each store below %rsp to its input object via the link map.
import { strict as assert } from 'node:assert';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { isPrecompiled, parseLinkMap, sectionAt } from './linkmap';
import { kernelArtifact, run } from './paths';
import { scanRedZone } from './redzone';

describe('kernel red-zone scan', function () {
  this.timeout(60_000); // objdump of the whole kernel on a loaded machine
  it('flags a leaf function compiled with the red zone and not one compiled without', () => {
    const dir = mkdtempSync(join(tmpdir(), 'exo-redzone-'));
    try {
      const src = join(dir, 'leaf.c');
      writeFileSync(src, 'long leaf(long a) { long x = a * 3; long y = x + a; return x ^ y; }\n');
      const scan = (flags: string[]) => {
        const obj = join(dir, `leaf${flags.length}.o`);
        run('gcc', ['-O0', '-fno-omit-frame-pointer', ...flags, '-c', src, '-o', obj]);
        return scanRedZone(run('objdump', ['-d', '--no-show-raw-insn', obj]));
      };
      assert.ok(scan([]).length > 0, 'gcc -O0 leaf code stores below rsp: the scan must see it');
      assert.deepEqual(scan(['-mno-red-zone']), []);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  for (const [elf, map] of [['exo.elf', 'exo.map'], ['exo-test.elf', 'exo-test.map']]) {
    it(`${elf}: no code of ours stores below rsp`, () => {
      const disasm = run('objdump', ['-d', '--no-show-raw-insn', kernelArtifact(elf)]);
      const sections = parseLinkMap(readFileSync(kernelArtifact(map), 'utf8'));
      assert.ok(sections.length > 100, `link map ${map} has only ${sections.length} input sections`);
      const uses = scanRedZone(disasm);
      const ours = uses.filter((u) => {
        const s = sectionAt(sections, u.address);
        return !s || !isPrecompiled(s.object);
      });
      assert.deepEqual(
        ours.map((u) => `${u.func} @0x${u.address.toString(16)}: ${u.insn}`),
        [],
        'stores below rsp outside the precompiled libraries',
      );
      // Whatever is left comes from the precompiled core/alloc: tolerated because no interrupt
      // ever lands on the interrupted stack (every IDT gate has an IST).
    });
  }
});
