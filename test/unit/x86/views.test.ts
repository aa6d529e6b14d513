import * as assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import * as path from 'node:path';
import { summarizeCpu } from '../../../adapter/x86/cpuSummary';
import { parseInfoRegisters } from '../../../adapter/x86/monitorRegs';
import { TableCache } from '../../../adapter/x86/paging';
import { tableEntries, tableRoot } from '../../../adapter/x86/tableView';

const fixture = (name: string) => path.join(__dirname, 'fixtures', name);

describe('x86/tableView: lazy page-table levels', () => {
  // The PVH test kernel's tables as dumped from QEMU (CR3 = 0x101000).
  const mem = new Uint8Array(readFileSync(fixture('testkernel-tables-0x101000.bin')));
  let reads = 0;
  const reader = async (addr: bigint, len: number) => {
    reads++;
    const off = Number(addr - 0x101000n);
    if (off < 0 || off + len > mem.length) return new Uint8Array(len);
    return mem.slice(off, off + len);
  };
  const ctx = { cr0: 0x80010011n, cr3: 0x101000n, cr4: 0xa0n, efer: 0xd01n };

  it('lists the PML4 then one child at a time, reading only what is opened', async () => {
    reads = 0;
    const cache = new TableCache(reader);
    const { geometry, root } = tableRoot(ctx)!;
    const top = await tableEntries(geometry, cache, root);
    assert.deepEqual(top.map(e => [e.index, e.levelName, e.virt]), [
      [0, 'PML4', 0n], [256, 'PML4', 0xffff800000000000n], [510, 'PML4', 0xffffff0000000000n], [511, 'PML4', 0xffffff8000000000n]]);
    assert.equal(reads, 1);
    const high = await tableEntries(geometry, cache, top[3].child!);
    assert.deepEqual(high.map(e => [e.index, e.levelName, e.entry.leaf, e.span]), [[510, 'PDPT', false, 1n << 30n], [511, 'PDPT', true, 1n << 30n]]);
    assert.equal(high[1].virt, 0xffffffffc0000000n);
    assert.equal(high[1].entry.global, true);
    const pd = await tableEntries(geometry, cache, high[0].child!);
    assert.deepEqual(pd.map(e => e.index), [0, 1, 2, 4]);
    assert.equal(pd[2].entry.noExecute, true);
    const pt = await tableEntries(geometry, cache, pd[0].child!);
    assert.equal(pt.length, 511, 'entry 0 is empty; entry 9 is non-present garbage and kept');
    const garbage = pt.find(e => e.index === 9)!;
    assert.deepEqual([garbage.entry.present, garbage.virt], [false, 0xffffffff80009000n]);
    assert.equal(pt.find(e => e.index === 8)!.entry.protectionKey, 5);
    assert.equal(reads, 4);
    // Re-opening a table is served from the cache.
    await tableEntries(geometry, cache, top[3].child!);
    assert.equal(reads, 4);
    assert.equal((await tableEntries(geometry, cache, root, { includeEmpty: true })).length, 512);
  });
  it('has no root when paging is off', () => {
    assert.equal(tableRoot({ cr0: 0x11n, cr3: 0n, cr4: 0n, efer: 0n }), undefined);
  });
});

describe('x86/cpuSummary', () => {
  it('summarizes a long-mode vCPU with the monitor dump', () => {
    const [mon] = parseInfoRegisters(readFileSync(fixture('info-registers-long-mode.txt'), 'utf8'));
    const regs = new Map<string, bigint>([['cr0', 0x80010011n], ['cr3', 0x101000n], ['cr4', 0xa0n], ['efer', 0xd01n],
      ['cs', 8n], ['rip', 0xffffffff80100052n], ['eflags', 0x86n], ['gs_base', 0xffffffff80300000n]]);
    const s = summarizeCpu(regs, mon);
    assert.deepEqual([s.mode, s.modeCertain, s.cpl, s.interruptsEnabled, s.paging, s.bits, s.halted], ['long', true, 0, false, '4-level', 64, true]);
    assert.equal(s.cr0.flags, '[ PE ET WP PG ]');
    assert.deepEqual([s.cr3.base, s.cr3.flags], [0x101000n, '[ ]']);
    assert.equal(s.efer.flags, '[ SCE LME LMA NXE ]');
    assert.equal(s.gsBase, 0xffffffff80300000n);
  });
  it('summarizes a real-mode AP with its linear PC and PCID-less CR3', () => {
    const [, ap] = parseInfoRegisters(readFileSync(fixture('info-registers-reset-smp2.txt'), 'utf8'));
    const s = summarizeCpu(new Map([['cr0', 0x60000010n], ['cs', 0xf000n], ['rip', 0xfff0n]]), ap);
    assert.deepEqual([s.mode, s.linearPc, s.halted, s.cr0.flags], ['real', 0xfffffff0n, true, '[ ET NW CD ]']);
    const pcid = summarizeCpu(new Map([['cr0', 0x80000011n], ['cr4', 0x20020n], ['efer', 0x500n], ['cr3', 0x5000n | 7n], ['cs', 8n]]));
    assert.deepEqual([pcid.cr3.pcid, pcid.cr3.flags, pcid.cr3.base], [7, '[ PCID=7 ]', 0x5000n]);
  });
});
