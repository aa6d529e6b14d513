// Real QEMU as the oracle for the x86 model: CPU modes at reset and after boot (from the
// gdbstub's registers + `info registers`), our page-table walk over physical memory against
// QEMU's own `info tlb` / `info mem`, translations against `gva2gpa`, a garbage entry written
// into a live table, and the disassembler on the code at rip.
import * as assert from 'node:assert/strict';
import * as fs from 'node:fs';
import { writeLE } from '../../../adapter/common/hex';
import { phys, rspThread, virt } from '../../../adapter/common/types';
import { launchQemu, QemuInstance } from '../../../adapter/qemu/launcher';
import { connectRsp, RspClient } from '../../../adapter/rsp';
import { cpuMode, csInfoFromMonitor } from '../../../adapter/x86/cpumode';
import { Disassembler } from '../../../adapter/x86/disasm';
import { parseInfoRegisters } from '../../../adapter/x86/monitorRegs';
import { PagingContext, TableCache } from '../../../adapter/x86/paging';
import { formatInfoMem, formatInfoTlb } from '../../../adapter/x86/qemuFormat';
import { loadSnapshot, translate } from '../../../adapter/x86/walk';
import { BuiltKernel, buildTestKernel, TABLES } from './testKernel';

const T1 = rspThread(1), T2 = rspThread(2);

describe('x86 on real QEMU: CPU modes, page tables, disassembly', function () {
  this.timeout(180_000);
  let kernel: BuiltKernel;
  let q: QemuInstance | undefined;
  let c: RspClient | undefined;

  const monitorCpu = async (cpu: number) => {
    const text = await c!.monitor('info registers -a');
    return parseInfoRegisters(text).find(r => r.cpu === cpu)!;
  };
  const pagingCtx = async (): Promise<PagingContext> => {
    const r = await c!.readRegisters(T1);
    return { cr0: r.get('cr0')!, cr3: r.get('cr3')!, cr4: r.get('cr4')!, efer: r.get('efer')! };
  };
  const reader = async (addr: bigint, len: number) => (await c!.readPhysical(phys(addr), len)).data;

  before(async () => {
    kernel = buildTestKernel();
    q = await launchQemu({ kernel: kernel.elf, cpus: 2, memory: '128M', extraArgs: ['-cpu', 'qemu64,+pdpe1gb'], timeoutMs: 30_000 });
    c = await connectRsp(q.gdbPort, { requestTimeoutMs: 20_000 });
  });
  after(async () => {
    c?.close();
    if (q) {
      const pid = q.pid;
      await q.kill();
      assert.throws(() => process.kill(pid, 0), 'our QEMU must be gone');
    }
    fs.rmSync(kernel.dir, { recursive: true, force: true });
  });

  it('at reset every vCPU is in real mode with the linear PC at 0xfffffff0', async () => {
    for (const [t, cpu] of [[T1, 0], [T2, 1]] as const) {
      const regs = await c!.readRegisters(t);
      const mode = cpuMode(regs, csInfoFromMonitor(await monitorCpu(cpu)));
      assert.deepEqual([mode.mode, mode.bits, mode.cpl, mode.paging, mode.linearPc], ['real', 16, 0, 'none', 0xfffffff0n], `CPU ${cpu}`);
    }
    const dis = await Disassembler.create();
    const bytes = (await c!.readPhysical(phys(0xfffffff0n), 16)).data;
    assert.equal(dis.disassemble(bytes, 0xfff0n, 16, { count: 1 })[0].text, 'ljmp 0xf000:0xe05b');
  });

  it('after boot the BSP is in 64-bit long mode at CPL 0 and the AP stays parked outside it', async () => {
    await c!.insertBreakpoint('hw', kernel.haltVirt);
    await c!.resume([{ kind: 'continue' }]);
    const stop = await c!.waitForStop(120_000);
    assert.equal(stop.signal, 5);
    await c!.removeBreakpoint('hw', kernel.haltVirt);
    const regs = await c!.readRegisters(T1);
    assert.equal(regs.get('rip'), kernel.haltVirt);
    const m = cpuMode(regs, csInfoFromMonitor(await monitorCpu(0)));
    assert.deepEqual([m.mode, m.modeCertain, m.cpl, m.paging, m.bits, m.interruptsEnabled], ['long', true, 0, '4-level', 64, false]);
    const ap = await c!.readRegisters(T2);
    const apMode = cpuMode(ap, csInfoFromMonitor(await monitorCpu(1)));
    assert.notEqual(apMode.mode, 'long');
    assert.equal((await monitorCpu(1)).halted, true);
  });

  it('disassembles the code at rip like QEMU executes it (hlt; jmp back)', async () => {
    const regs = await c!.readRegisters(T1);
    const bytes = (await c!.readVirtual(T1, virt(regs.get('rip')!), 3)).data;
    const ins = (await Disassembler.create()).disassemble(bytes, regs.get('rip')!, 64);
    assert.deepEqual(ins.map(i => i.text), ['hlt', `jmp 0x${kernel.haltVirt.toString(16)}`]);
  });

  it('walks the page tables to exactly QEMU\'s info tlb and info mem', async () => {
    const ctx = await pagingCtx();
    const cache = new TableCache(reader);
    const t0 = performance.now();
    const snap = (await loadSnapshot(ctx, cache))!;
    const ours = formatInfoTlb(snap);
    const ourMs = performance.now() - t0;
    const t1 = performance.now();
    const qemuTlb = await c!.monitor('info tlb');
    const qemuMs = performance.now() - t1;
    assert.ok(ours.lines > 1500, `expected the test kernel's ~1,567 mappings, got ${ours.lines}`);
    assert.equal(ours.text, qemuTlb.replace(/\r/g, ''));
    assert.equal(formatInfoMem(snap).text, (await c!.monitor('info mem')).replace(/\r/g, ''));
    assert.equal(cache.reads, 5, 'each of the five tables is read once');
    console.log(`      walk: ${ours.lines} lines, ${cache.reads} tables, ${ourMs.toFixed(1)} ms; QEMU info tlb ${qemuMs.toFixed(1)} ms`);
  });

  it('translates like QEMU\'s gva2gpa, and reports unmapped addresses', async () => {
    const ctx = await pagingCtx();
    const cache = new TableCache(reader);
    for (const va of [kernel.haltVirt, 0x2abcn, 0x400123n, 0x8f0000n, 0xc0001000n, 0xffffffffc0201234n, 0xffff800000105008n, 0xffffff7fbfdff008n]) {
      const ours = await translate(ctx, cache, va);
      const text = await c!.monitor(`gva2gpa 0x${va.toString(16)}`);
      const m = /gpa: (0x[0-9a-f]+)/.exec(text);
      assert.ok(m, `QEMU did not translate 0x${va.toString(16)}: ${text}`);
      assert.equal(ours.phys, BigInt(m[1]), `0x${va.toString(16)}`);
    }
    const none = await translate(ctx, cache, 0x9000n);
    assert.match(none.fault!, /not present at PT\[9\]/);
    assert.match(await c!.monitor('gva2gpa 0x9000'), /Unmapped/);
  });

  it('shows a garbage entry written into a live table as such, still matching info tlb', async () => {
    // PD[6] := a "2 MiB page" whose frame has low bits and bits above MAXPHYADDR set.
    const garbage = 0x0000_7fff_dead_b000n | 0x83n;
    await c!.writePhysical(phys(BigInt(TABLES.pd) + 6n * 8n), writeLE(garbage, 8));
    const ctx = await pagingCtx();
    const snap = (await loadSnapshot(ctx, new TableCache(reader)))!;
    assert.equal(formatInfoTlb(snap).text, (await c!.monitor('info tlb')).replace(/\r/g, ''));
    const t = await translate(ctx, new TableCache(reader, {}), 0xc00000n, { physAddrBits: 40 });
    assert.equal(t.phys, undefined);
    assert.match(t.fault!, /reserved bits 0x7f000[0-9a-f]+ set at PD\[6\]/);
    assert.equal(t.steps.at(-1)!.entry.raw, garbage);
  });
});

for (const [mode, paging] of [['pae', 'PAE'], ['32bit', '32-bit']] as const) {
  describe(`x86 on real QEMU: ${paging} paging`, function () {
    this.timeout(180_000);
    let kernel: BuiltKernel;
    let q: QemuInstance | undefined;
    let c: RspClient | undefined;
    const reader = async (addr: bigint, len: number) => (await c!.readPhysical(phys(addr), len)).data;

    before(async () => {
      kernel = buildTestKernel(mode);
      q = await launchQemu({ kernel: kernel.elf, cpus: 1, memory: '128M', timeoutMs: 30_000 });
      c = await connectRsp(q.gdbPort, { requestTimeoutMs: 20_000 });
      await c.insertBreakpoint('hw', kernel.haltVirt);
      await c.resume([{ kind: 'continue' }]);
      await c.waitForStop(120_000);
      await c.removeBreakpoint('hw', kernel.haltVirt);
    });
    after(async () => {
      c?.close();
      if (q) {
        const pid = q.pid;
        await q.kill();
        assert.throws(() => process.kill(pid, 0), 'our QEMU must be gone');
      }
      fs.rmSync(kernel.dir, { recursive: true, force: true });
    });

    it(`is in protected mode with ${paging} paging`, async () => {
      const regs = await c!.readRegisters(T1);
      const mon = parseInfoRegisters(await c!.monitor('info registers'))[0];
      const m = cpuMode(regs, csInfoFromMonitor(mon));
      assert.deepEqual([m.mode, m.bits, m.cpl, m.paging, m.linearPc], ['protected', 32, 0, paging, kernel.haltPhys]);
    });

    it('walks to exactly QEMU\'s info tlb and info mem, and translates like gva2gpa', async () => {
      const r = await c!.readRegisters(T1);
      const ctx: PagingContext = { cr0: r.get('cr0')!, cr3: r.get('cr3')!, cr4: r.get('cr4')!, efer: r.get('efer')! };
      const cache = new TableCache(reader);
      const snap = (await loadSnapshot(ctx, cache))!;
      const ours = formatInfoTlb(snap);
      assert.ok(ours.lines > 1000, `only ${ours.lines} mappings`);
      assert.equal(ours.text, (await c!.monitor('info tlb')).replace(/\r/g, ''));
      assert.equal(formatInfoMem(snap).text, (await c!.monitor('info mem')).replace(/\r/g, ''));
      for (const va of [kernel.haltPhys, 0x2abcn, 0x401234n, 0xc0100010n, 0xc00005n]) {
        const m = /gpa: (0x[0-9a-f]+)/.exec(await c!.monitor(`gva2gpa 0x${va.toString(16)}`));
        const t = await translate(ctx, cache, va);
        assert.equal(t.phys, m ? BigInt(m[1]) : undefined, `0x${va.toString(16)}: ${t.fault ?? ''}`);
      }
    });
  });
}

describe('x86 on real QEMU: compatibility mode', function () {
  this.timeout(180_000);
  let kernel: BuiltKernel;
  let q: QemuInstance | undefined;
  let c: RspClient | undefined;
  before(async () => {
    kernel = buildTestKernel('compat');
    q = await launchQemu({ kernel: kernel.elf, cpus: 1, memory: '128M', timeoutMs: 30_000 });
    c = await connectRsp(q.gdbPort, { requestTimeoutMs: 20_000 });
    await c.insertBreakpoint('hw', kernel.haltVirt);
    await c.resume([{ kind: 'continue' }]);
    await c.waitForStop(120_000);
    await c.removeBreakpoint('hw', kernel.haltVirt);
  });
  after(async () => {
    c?.close();
    if (q) {
      const pid = q.pid;
      await q.kill();
      assert.throws(() => process.kill(pid, 0), 'our QEMU must be gone');
    }
    fs.rmSync(kernel.dir, { recursive: true, force: true });
  });

  it('tells compatibility mode from 64-bit mode only with the monitor\'s CS attributes', async () => {
    const regs = await c!.readRegisters(T1);
    const mon = parseInfoRegisters(await c!.monitor('info registers'))[0];
    assert.equal(mon.segments.get('CS')!.text, 'DPL=0 CS32 [-RA]');
    const m = cpuMode(regs, csInfoFromMonitor(mon));
    assert.deepEqual([m.mode, m.modeCertain, m.bits, m.paging, m.linearPc], ['compatibility', true, 32, '4-level', kernel.haltPhys]);
    // Without the monitor the stub's registers alone cannot tell: the guess is 64-bit, marked uncertain.
    const guess = cpuMode(regs);
    assert.deepEqual([guess.mode, guess.modeCertain], ['long', false]);
    const bytes = (await c!.readVirtual(T1, virt(kernel.haltVirt), 3)).data;
    const ins = (await Disassembler.create()).disassemble(bytes, kernel.haltVirt, m.bits);
    assert.deepEqual(ins.map(i => i.text), ['hlt', `jmp 0x${kernel.haltVirt.toString(16)}`]);
  });
});

describe('x86 on real QEMU: 5-level paging (LA57)', function () {
  this.timeout(180_000);
  let kernel: BuiltKernel;
  let q: QemuInstance | undefined;
  let c: RspClient | undefined;
  const reader = async (addr: bigint, len: number) => (await c!.readPhysical(phys(addr), len)).data;
  before(async () => {
    kernel = buildTestKernel('la57');
    q = await launchQemu({ kernel: kernel.elf, cpus: 1, memory: '128M', extraArgs: ['-cpu', 'qemu64,+la57,+pdpe1gb'], timeoutMs: 30_000 });
    c = await connectRsp(q.gdbPort, { requestTimeoutMs: 20_000 });
    await c.insertBreakpoint('hw', kernel.haltVirt);
    await c.resume([{ kind: 'continue' }]);
    await c.waitForStop(120_000);
    await c.removeBreakpoint('hw', kernel.haltVirt);
  });
  after(async () => {
    c?.close();
    if (q) {
      const pid = q.pid;
      await q.kill();
      assert.throws(() => process.kill(pid, 0), 'our QEMU must be gone');
    }
    fs.rmSync(kernel.dir, { recursive: true, force: true });
  });

  it('walks a PML5 to exactly QEMU\'s info tlb and translates like gva2gpa', async () => {
    const r = await c!.readRegisters(T1);
    const ctx: PagingContext = { cr0: r.get('cr0')!, cr3: r.get('cr3')!, cr4: r.get('cr4')!, efer: r.get('efer')! };
    assert.equal(cpuMode(r).paging, '5-level');
    const cache = new TableCache(reader);
    const snap = (await loadSnapshot(ctx, cache))!;
    const ours = formatInfoTlb(snap);
    assert.ok(ours.lines > 3000, `only ${ours.lines} mappings`);
    assert.equal(ours.text, (await c!.monitor('info tlb')).replace(/\r/g, ''));
    for (const va of [kernel.haltVirt, 0x2abcn, 0xffffffffc0201234n, 0xff7fff8000105008n]) {
      const m = /gpa: (0x[0-9a-f]+)/.exec(await c!.monitor(`gva2gpa 0x${va.toString(16)}`));
      const t = await translate(ctx, cache, va);
      assert.equal(t.phys, m ? BigInt(m[1]) : undefined, `0x${va.toString(16)}: ${t.fault ?? ''}`);
    }
    // Not compared: QEMU 7.2's mem_info_la57 tests the present bit inverted, walks garbage and
    // does not answer `info mem` within 30 s here. Ours lists the ranges.
    assert.ok(formatInfoMem(snap).lines > 10);
  });
});
