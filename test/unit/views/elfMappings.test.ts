// ELF mappings against a fake translator: matching pages, unmapped bss, W+X, a wrong
// higher-half offset, a writable segment mapped read-only unless it is COW.
import * as assert from 'node:assert/strict';
import { elfMappings, type Translator } from '../../../adapter/kernel/elfMappings';
import type { ElfFile } from '../../../adapter/symbols';
import { decodePte } from '../../../adapter/x86/pte';
import type { Translation } from '../../../adapter/x86/walk';

const PF_X = 1, PF_W = 2, PF_R = 4;
const KBASE = 0xffff_ffff_8000_0000n;

function fakeElf(segs: { vaddr: bigint; paddr: bigint; memsz: bigint; flags: number }[]): ElfFile {
  return {
    programHeaders: segs.map(s => ({ type: 1, flags: s.flags, offset: 0n, vaddr: s.vaddr, paddr: s.paddr, filesz: s.memsz, memsz: s.memsz, align: 0x1000n })),
    sectionHeaders: [
      { index: 1, name: '.text', type: 1, flags: 0x6n, addr: segs[0].vaddr, offset: 0n, size: 0x100n, link: 0, info: 0, addralign: 16n, entsize: 0n },
    ],
  } as unknown as ElfFile;
}

/** Pages: va → [phys, raw leaf flags]; everything else faults. */
function translator(pages: Map<bigint, [bigint, bigint]>): Translator {
  return async (va: bigint): Promise<Translation> => {
    const p = pages.get(va);
    if (!p) return { virt: va, steps: [], fault: 'not present at PT[0]' };
    const raw = p[0] | p[1];
    return { virt: va, phys: p[0], pageSize: 0x1000n, steps: [{ level: 1, table: 0n, index: 0, entryAddress: 0n, entry: decodePte(raw, 1, { cowBit: 9 }) }] };
  };
}

const RX = 1n, RO_NX = 1n | (1n << 63n), RW_NX = 3n | (1n << 63n), RWX = 3n;

describe('views: ELF mappings against page tables', () => {
  it('a kernel mapped as its ELF asks has no problems; runs coalesce', async () => {
    const elf = fakeElf([
      { vaddr: KBASE + 0x10_0000n, paddr: 0x10_0000n, memsz: 0x2000n, flags: PF_R | PF_X },
      { vaddr: KBASE + 0x10_2000n, paddr: 0x10_2000n, memsz: 0x1000n, flags: PF_R | PF_W },
    ]);
    const pages = new Map<bigint, [bigint, bigint]>([
      [KBASE + 0x10_0000n, [0x10_0000n, RX]], [KBASE + 0x10_1000n, [0x10_1000n, RX]], [KBASE + 0x10_2000n, [0x10_2000n, RW_NX]],
    ]);
    const r = await elfMappings(elf, 'k', 0n, translator(pages));
    assert.deepEqual(r.problems, []);
    assert.equal(r.segments[0].runs.length, 1);
    assert.equal(r.segments[0].runs[0].perms!.x, true);
    assert.equal(r.sections[0].name, '.text');
    assert.equal(r.sections[0].mappedPages, 1);
  });

  it('flags unmapped pages, W+X, a permission mismatch and frames away from the load address', async () => {
    const elf = fakeElf([
      { vaddr: KBASE + 0x10_0000n, paddr: 0x10_0000n, memsz: 0x1000n, flags: PF_R | PF_X },
      { vaddr: KBASE + 0x20_0000n, paddr: 0x20_0000n, memsz: 0x3000n, flags: PF_R | PF_W },
    ]);
    const pages = new Map<bigint, [bigint, bigint]>([
      [KBASE + 0x10_0000n, [0x50_0000n, RX]],         // wrong offset
      [KBASE + 0x20_0000n, [0x20_0000n, RWX]],        // W+X
      [KBASE + 0x20_1000n, [0x20_1000n, RO_NX]],      // read-only, not COW
    ]);
    const r = await elfMappings(elf, 'k', 0n, translator(pages));
    const text = r.problems.join('\n');
    assert.match(text, /0xffffffff80100000-0xffffffff80101000 maps physical 0x500000, expected 0x100000/);
    assert.match(text, /0xffffffff80200000-0xffffffff80201000 is writable AND executable/);
    assert.match(text, /0xffffffff80201000-0xffffffff80202000 is mapped r-- but the ELF says rw-/);
    assert.match(text, /0xffffffff80202000-0xffffffff80203000 is not mapped/);
    assert.equal(r.segments[1].writableExecutablePages, 1);
    assert.equal(r.segments[1].mappedPages, 2);
  });

  it('a user program: read-only + COW bit counts as writable; load addresses are not checked', async () => {
    const elf = fakeElf([{ vaddr: 0x40_0000n, paddr: 0x40_0000n, memsz: 0x1000n, flags: PF_R | PF_X }, { vaddr: 0x40_1000n, paddr: 0x40_1000n, memsz: 0x1000n, flags: PF_R | PF_W }]);
    const pages = new Map<bigint, [bigint, bigint]>([[0x40_0000n, [0x80_0000n, RX | 4n]], [0x40_1000n, [0x90_0000n, RO_NX | 4n | (1n << 9n)]]]);
    const r = await elfMappings(elf, 'init', 0n, translator(pages), { checkLoadAddress: false });
    assert.deepEqual(r.problems, []);
    assert.equal(r.segments[1].runs[0].cow, true);
    assert.equal(r.segments[1].runs[0].perms!.u, true);
    assert.equal(r.segments[1].loadAddress, undefined);
  });

  it('Linux\'s per-CPU segment (.data..percpu linked at 0) is checked at each CPU\'s GS base, not at 0', async () => {
    const elf = fakeElf([
      { vaddr: KBASE + 0x100_0000n, paddr: 0x100_0000n, memsz: 0x1000n, flags: PF_R | PF_X },
      { vaddr: 0n, paddr: 0x304_4000n, memsz: 0x2000n, flags: PF_R | PF_W },
    ]);
    (elf.sectionHeaders as unknown as object[]).push({ index: 2, name: '.data..percpu', type: 1, flags: 0x3n, addr: 0n, offset: 0n, size: 0x2000n, link: 0, info: 0, addralign: 64n, entsize: 0n });
    const GS0 = 0xffff_8880_1f40_0000n, GS1 = 0xffff_8880_1f50_0000n;
    const pages = new Map<bigint, [bigint, bigint]>([
      [KBASE + 0x100_0000n, [0x100_0000n, RX]],
      [GS0, [0x1f40_0000n, RW_NX]], [GS0 + 0x1000n, [0x1f40_1000n, RW_NX]],
      [GS1, [0x1f50_0000n, RW_NX]], // CPU 1's second page is missing
    ]);
    const r = await elfMappings(elf, 'vmlinux', 0n, translator(pages), { perCpuBases: [GS0, GS1] });
    assert.deepEqual(r.segments.map(x => x.name), ['LOAD[0] r-x', 'LOAD[1] rw- per-CPU, CPU 0', 'LOAD[1] rw- per-CPU, CPU 1']);
    assert.deepEqual(r.segments[1].problems, [], 'CPU 0\'s copy is mapped rw-, at the allocator\'s frames (no load-address check)');
    assert.deepEqual(r.problems, ['LOAD[1] rw- per-CPU, CPU 1: 0xffff88801f501000-0xffff88801f502000 is not mapped']);
    assert.match(r.notes[0], /per-CPU template .* at its kernel GS base/);
    const unknown = await elfMappings(elf, 'vmlinux', 0n, translator(pages));
    assert.deepEqual(unknown.problems, [], 'without GS bases: not checked, and said so');
    assert.match(unknown.notes[0], /not checked/);
  });
});
