// ELF layout checks of the kernel images: no PT_LOAD is both writable and executable, the
// PVH note is there, the boot stub is low and the kernel runs in the higher half.
import { strict as assert } from 'node:assert';
import { kernelArtifact, run } from './paths';

interface Load {
  vaddr: bigint;
  paddr: bigint;
  flags: string;
}

function loads(elf: string): Load[] {
  const out: Load[] = [];
  for (const line of run('readelf', ['-lW', elf]).split('\n')) {
    const m = /^\s*LOAD\s+0x[0-9a-f]+\s+0x([0-9a-f]+)\s+0x([0-9a-f]+)\s+0x[0-9a-f]+\s+0x[0-9a-f]+\s+([RWE ]+?)\s+0x/.exec(line);
    if (m) out.push({ vaddr: BigInt('0x' + m[1]), paddr: BigInt('0x' + m[2]), flags: m[3].replace(/\s/g, '') });
  }
  return out;
}

const HIGHER_HALF = 0xffffffff80000000n;

describe('kernel ELF segments', function () {
  this.timeout(60_000);
  for (const elf of ['exo.elf', 'exo-test.elf']) {
    it(`${elf}: no PT_LOAD is both writable and executable`, () => {
      const segs = loads(kernelArtifact(elf));
      assert.ok(segs.length >= 4, `only ${segs.length} PT_LOAD segments`);
      const wx = segs.filter((s) => s.flags.includes('W') && s.flags.includes('E'));
      assert.deepEqual(wx, [], 'W+X segments');
      assert.ok(segs.some((s) => s.flags === 'RE' && s.vaddr >= HIGHER_HALF), 'no higher-half text segment');
      assert.ok(segs.some((s) => s.flags === 'RW' && s.vaddr >= HIGHER_HALF), 'no higher-half data segment');
      for (const s of segs) {
        const expected = s.vaddr >= HIGHER_HALF ? s.vaddr - HIGHER_HALF : s.vaddr;
        assert.equal(s.paddr, expected, `segment at 0x${s.vaddr.toString(16)} loads at 0x${s.paddr.toString(16)}`);
      }
    });

    it(`${elf}: carries the PVH entry note and a low entry point`, () => {
      const path = kernelArtifact(elf);
      const notes = run('readelf', ['-nW', path]);
      assert.match(notes, /Xen\s+0x00000008\s+(Unknown note type: )?\(?0x00000012/);
      const entry = /Entry point address:\s+0x([0-9a-f]+)/.exec(run('readelf', ['-hW', path]));
      assert.ok(entry, 'no entry point');
      assert.ok(BigInt('0x' + entry[1]) < 0x200000n, `entry 0x${entry[1]} not in the low boot stub`);
    });
  }
});
