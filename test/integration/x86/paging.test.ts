// Real QEMU as the oracle for the x86 model: CPU modes at reset and after boot (from the
// gdbstub's registers + `info registers`), our page-table walk over physical memory against
// QEMU's own `info tlb` / `info mem`, translations against `gva2gpa`, a garbage entry written
// into a live table, and the disassembler on the code at rip.
import * as assert from 'node:assert/strict';
import { writeLE } from '../../../adapter/common/hex';
import { phys, rspThread, virt } from '../../../adapter/common/types';
import { cpuMode, csInfoFromMonitor } from '../../../adapter/x86/cpumode';
import { Disassembler } from '../../../adapter/x86/disasm';
import { parseInfoRegisters } from '../../../adapter/x86/monitorRegs';
import { PagingContext, TableCache } from '../../../adapter/x86/paging';
import { formatInfoMem, formatInfoTlb } from '../../../adapter/x86/qemuFormat';
import { loadSnapshot, translate } from '../../../adapter/x86/walk';
import { Booted, bootTestKernel, shutdown } from './harness';
import { TABLES } from './testKernel';

const T1 = rspThread(1), T2 = rspThread(2);

describe('x86 on real QEMU: CPU modes, page tables, disassembly', function () {
  this.timeout(180_000);
  let b: Booted | undefined;
  const c = () => b!.c;
  const kernel = () => b!.kernel;

  const monitorCpu = async (cpu: number) => {
    const text = await c().monitor('info registers -a');
    return parseInfoRegisters(text).find(r => r.cpu === cpu)!;
  };
  const pagingCtx = async (): Promise<PagingContext> => {
    const r = await c().readRegisters(T1);
    return { cr0: r.get('cr0')!, cr3: r.get('cr3')!, cr4: r.get('cr4')!, efer: r.get('efer')! };
  };
  const reader = async (addr: bigint, len: number) => (await c().readPhysical(phys(addr), len)).data;

  before(async () => { b = await bootTestKernel('long', { cpus: 2, extraArgs: ['-cpu', 'qemu64,+pdpe1gb'] }); });
  after(() => shutdown(b));

  it('at reset every vCPU is in real mode with the linear PC at 0xfffffff0', async () => {
    for (const [t, cpu] of [[T1, 0], [T2, 1]] as const) {
      const regs = await c().readRegisters(t);
      const mode = cpuMode(regs, csInfoFromMonitor(await monitorCpu(cpu)));
      assert.deepEqual([mode.mode, mode.bits, mode.cpl, mode.paging, mode.linearPc], ['real', 16, 0, 'none', 0xfffffff0n], `CPU ${cpu}`);
    }
    const dis = await Disassembler.create();
    const bytes = (await c().readPhysical(phys(0xfffffff0n), 16)).data;
    assert.equal(dis.disassemble(bytes, 0xfff0n, 16, { count: 1 })[0].text, 'ljmp 0xf000:0xe05b');
  });

  it('after boot the BSP is in 64-bit long mode at CPL 0 and the AP stays parked outside it', async () => {
    await c().insertBreakpoint('hw', kernel().haltVirt);
    await c().resume([{ kind: 'continue' }]);
    const stop = await c().waitForStop(120_000);
    assert.equal(stop.signal, 5);
    await c().removeBreakpoint('hw', kernel().haltVirt);
    const regs = await c().readRegisters(T1);
    assert.equal(regs.get('rip'), kernel().haltVirt);
    const m = cpuMode(regs, csInfoFromMonitor(await monitorCpu(0)));
    assert.deepEqual([m.mode, m.modeCertain, m.cpl, m.paging, m.bits, m.interruptsEnabled], ['long', true, 0, '4-level', 64, false]);
    const ap = await c().readRegisters(T2);
    const apMode = cpuMode(ap, csInfoFromMonitor(await monitorCpu(1)));
    assert.notEqual(apMode.mode, 'long');
    assert.equal((await monitorCpu(1)).halted, true);
  });

  it('disassembles the code at rip like QEMU executes it (hlt; jmp back)', async () => {
    const regs = await c().readRegisters(T1);
    const bytes = (await c().readVirtual(T1, virt(regs.get('rip')!), 3)).data;
    const ins = (await Disassembler.create()).disassemble(bytes, regs.get('rip')!, 64);
    assert.deepEqual(ins.map(i => i.text), ['hlt', `jmp 0x${kernel().haltVirt.toString(16)}`]);
  });

  it('walks the page tables to exactly QEMU\'s info tlb and info mem', async () => {
    const ctx = await pagingCtx();
    const cache = new TableCache(reader);
    const t0 = performance.now();
    const snap = (await loadSnapshot(ctx, cache))!;
    const ours = formatInfoTlb(snap);
    const ourMs = performance.now() - t0;
    const t1 = performance.now();
    const qemuTlb = await c().monitor('info tlb');
    const qemuMs = performance.now() - t1;
    assert.ok(ours.lines > 1500, `expected the test kernel's ~1,567 mappings, got ${ours.lines}`);
    assert.equal(ours.text, qemuTlb.replace(/\r/g, ''));
    assert.equal(formatInfoMem(snap).text, (await c().monitor('info mem')).replace(/\r/g, ''));
    assert.equal(cache.reads, 5, 'each of the five tables is read once');
    console.log(`      walk: ${ours.lines} lines, ${cache.reads} tables, ${ourMs.toFixed(1)} ms; QEMU info tlb ${qemuMs.toFixed(1)} ms`);
  });

  it('translates like QEMU\'s gva2gpa, and reports unmapped addresses', async () => {
    const ctx = await pagingCtx();
    const cache = new TableCache(reader);
    for (const va of [kernel().haltVirt, 0x2abcn, 0x400123n, 0x8f0000n, 0xc0001000n, 0xffffffffc0201234n, 0xffff800000105008n, 0xffffff7fbfdff008n]) {
      const ours = await translate(ctx, cache, va);
      const text = await c().monitor(`gva2gpa 0x${va.toString(16)}`);
      const m = /gpa: (0x[0-9a-f]+)/.exec(text);
      assert.ok(m, `QEMU did not translate 0x${va.toString(16)}: ${text}`);
      assert.equal(ours.phys, BigInt(m[1]), `0x${va.toString(16)}`);
    }
    const none = await translate(ctx, cache, 0x9000n);
    assert.match(none.fault!, /not present at PT\[9\]/);
    assert.match(await c().monitor('gva2gpa 0x9000'), /Unmapped/);
  });

  it('shows a garbage entry written into a live table as such, still matching info tlb', async () => {
    // PD[6] := a "2 MiB page" whose frame has low bits and bits above MAXPHYADDR set.
    const garbage = 0x0000_7fff_dead_b000n | 0x83n;
    await c().writePhysical(phys(BigInt(TABLES.pd) + 6n * 8n), writeLE(garbage, 8));
    const ctx = await pagingCtx();
    const snap = (await loadSnapshot(ctx, new TableCache(reader)))!;
    assert.equal(formatInfoTlb(snap).text, (await c().monitor('info tlb')).replace(/\r/g, ''));
    const t = await translate(ctx, new TableCache(reader, {}), 0xc00000n, { physAddrBits: 40 });
    assert.equal(t.phys, undefined);
    assert.match(t.fault!, /reserved bits 0x7f000[0-9a-f]+ set at PD\[6\]/);
    assert.equal(t.steps.at(-1)!.entry.raw, garbage);
  });
});
