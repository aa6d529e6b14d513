// Robustness: the C fixture's DWARF and CFI bytes mutated at random (seeded), then the whole
// values/unwind path run at the recorded stop. Only typed errors may escape, and nothing hangs.
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import fc from 'fast-check';
import { ExoError } from '../../../adapter/common/errors';
import { BufferSource } from '../../../adapter/symbols/bytesource';
import { Dwarf, dwarfSectionsOf } from '../../../adapter/symbols/dwarf';
import { ElfFile } from '../../../adapter/symbols/elf';
import { buildStack, cfiSectionsOf } from '../../../adapter/symbols/unwind/stack';
import { GlobalIndex, readGlobal } from '../../../adapter/symbols/values/globals';
import { describeFrame } from '../../../adapter/symbols/values/variables';
import { Fixture, markerLine, memoryReader, type GdbDump } from './oracle';

describe('symbols-values robustness on mutated DWARF/CFI', function () {
  this.timeout(300_000);
  const fx = new Fixture();
  after(() => fx.cleanup());
  let image: Uint8Array;
  let dump: GdbDump;
  let ranges: { name: string; off: number; size: number }[];

  before(() => {
    const exe = fx.compile('frames.c', '-O2', 'fuzz');
    dump = fx.gdbDump(exe, 'frames.c', markerLine('frames.c', 'leaf'));
    image = new Uint8Array(readFileSync(exe));
    const elf = new ElfFile(new BufferSource(image));
    ranges = ['.debug_info', '.debug_abbrev', '.debug_loclists', '.eh_frame']
      .map(n => elf.section(n)).filter(s => s !== undefined)
      .map(s => ({ name: s.name, off: Number(s.header.offset), size: Number(s.header.size) }));
    assert.equal(ranges.length, 4);
  });

  it('1,000 mutated binaries: stack, args/locals and globals give values or typed errors', async () => {
    const readMemory = memoryReader(dump);
    let typed = 0, ok = 0;
    await fc.assert(fc.asyncProperty(
      fc.nat(ranges.length - 1), fc.array(fc.tuple(fc.double({ min: 0, max: 1, noNaN: true }), fc.nat(255)), { minLength: 1, maxLength: 8 }),
      async (which, muts) => {
        const r = ranges[which];
        const bytes = Uint8Array.from(image);
        for (const [pos, v] of muts) bytes[r.off + Math.min(r.size - 1, Math.floor(pos * r.size))] = v;
        try {
          const elf = new ElfFile(new BufferSource(bytes));
          const dwarf = new Dwarf(dwarfSectionsOf(elf));
          const stack = await buildStack({ dwarf, cfi: cfiSectionsOf(elf), registers: dump.regs, readMemory, maxDepth: 64 });
          for (const f of stack.frames.slice(0, 4)) if (f.scope) await describeFrame(f.scope, f.state);
          const g = new GlobalIndex(dwarf);
          for (const name of ['nodes', 'packed', 'num', 'matrix']) await readGlobal(g, name, stack.frames[0].state);
          ok++;
        } catch (e) {
          if (!(e instanceof ExoError)) throw e; // ParseError is an ExoError naming section + offset
          typed++;
        }
      }), { numRuns: 1000, seed: 4242 });
    assert.equal(ok + typed, 1000);
    if (process.env.EXO_FUZZ_STATS) console.log(`ok ${ok}, typed errors ${typed}`);
  });
});
