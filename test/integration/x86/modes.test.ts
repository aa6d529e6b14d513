// Real QEMU as the oracle in the other paging and CPU modes: PAE and 32-bit paging (protected
// mode), 5-level paging (LA57) and compatibility mode. Walk == `info tlb` / `info mem`,
// translate == `gva2gpa`, and the mode decided from the stub's registers + the monitor's CS.
import * as assert from 'node:assert/strict';
import { phys, rspThread, virt } from '../../../adapter/common/types';
import { cpuMode, csInfoFromMonitor } from '../../../adapter/x86/cpumode';
import { Disassembler } from '../../../adapter/x86/disasm';
import { parseInfoRegisters } from '../../../adapter/x86/monitorRegs';
import { PagingContext, TableCache } from '../../../adapter/x86/paging';
import { formatInfoMem, formatInfoTlb } from '../../../adapter/x86/qemuFormat';
import { loadSnapshot, translate } from '../../../adapter/x86/walk';
import { Booted, bootTestKernel, shutdown } from './harness';

const T1 = rspThread(1);

async function pagingOf(b: Booted): Promise<PagingContext> {
  const r = await b.c.readRegisters(T1);
  return { cr0: r.get('cr0')!, cr3: r.get('cr3')!, cr4: r.get('cr4')!, efer: r.get('efer')! };
}

const readerOf = (b: Booted) => async (addr: bigint, len: number) => (await b.c.readPhysical(phys(addr), len)).data;

async function gva2gpa(b: Booted, va: bigint): Promise<bigint | undefined> {
  const m = /gpa: (0x[0-9a-f]+)/.exec(await b.c.monitor(`gva2gpa 0x${va.toString(16)}`));
  return m ? BigInt(m[1]) : undefined;
}

for (const [mode, paging] of [['pae', 'PAE'], ['32bit', '32-bit']] as const) {
  describe(`x86 on real QEMU: ${paging} paging`, function () {
    this.timeout(180_000);
    let b: Booted | undefined;
    before(async () => { b = await bootTestKernel(mode, { toHalt: true }); });
    after(() => shutdown(b));

    it(`is in protected mode with ${paging} paging`, async () => {
      const regs = await b!.c.readRegisters(T1);
      const mon = parseInfoRegisters(await b!.c.monitor('info registers'))[0];
      const m = cpuMode(regs, csInfoFromMonitor(mon));
      assert.deepEqual([m.mode, m.bits, m.cpl, m.paging, m.linearPc], ['protected', 32, 0, paging, b!.kernel.haltPhys]);
    });

    it('walks to exactly QEMU\'s info tlb and info mem, and translates like gva2gpa', async () => {
      const ctx = await pagingOf(b!);
      const cache = new TableCache(readerOf(b!));
      const snap = (await loadSnapshot(ctx, cache))!;
      const ours = formatInfoTlb(snap);
      assert.ok(ours.lines > 1000, `only ${ours.lines} mappings`);
      assert.equal(ours.text, (await b!.c.monitor('info tlb')).replace(/\r/g, ''));
      assert.equal(formatInfoMem(snap).text, (await b!.c.monitor('info mem')).replace(/\r/g, ''));
      for (const va of [b!.kernel.haltPhys, 0x2abcn, 0x401234n, 0xc0100010n, 0xc00005n]) {
        const t = await translate(ctx, cache, va);
        assert.equal(t.phys, await gva2gpa(b!, va), `0x${va.toString(16)}: ${t.fault ?? ''}`);
      }
    });
  });
}

describe('x86 on real QEMU: 5-level paging (LA57)', function () {
  this.timeout(180_000);
  let b: Booted | undefined;
  before(async () => { b = await bootTestKernel('la57', { toHalt: true, extraArgs: ['-cpu', 'qemu64,+la57,+pdpe1gb'] }); });
  after(() => shutdown(b));

  it('walks a PML5 to exactly QEMU\'s info tlb and translates like gva2gpa', async () => {
    const ctx = await pagingOf(b!);
    assert.equal(cpuMode(await b!.c.readRegisters(T1)).paging, '5-level');
    const cache = new TableCache(readerOf(b!));
    const snap = (await loadSnapshot(ctx, cache))!;
    const ours = formatInfoTlb(snap);
    assert.ok(ours.lines > 3000, `only ${ours.lines} mappings`);
    assert.equal(ours.text, (await b!.c.monitor('info tlb')).replace(/\r/g, ''));
    for (const va of [b!.kernel.haltVirt, 0x2abcn, 0xffffffffc0201234n, 0xff7fff8000105008n]) {
      const t = await translate(ctx, cache, va);
      assert.equal(t.phys, await gva2gpa(b!, va), `0x${va.toString(16)}: ${t.fault ?? ''}`);
    }
    // Not compared: QEMU 7.2's mem_info_la57 tests the present bit inverted, walks garbage and
    // does not answer `info mem` within 30 s here. Ours lists the ranges.
    assert.ok(formatInfoMem(snap).lines > 10);
  });
});

describe('x86 on real QEMU: compatibility mode', function () {
  this.timeout(180_000);
  let b: Booted | undefined;
  before(async () => { b = await bootTestKernel('compat', { toHalt: true }); });
  after(() => shutdown(b));

  it('tells compatibility mode from 64-bit mode only with the monitor\'s CS attributes', async () => {
    const regs = await b!.c.readRegisters(T1);
    const mon = parseInfoRegisters(await b!.c.monitor('info registers'))[0];
    assert.equal(mon.segments.get('CS')!.text, 'DPL=0 CS32 [-RA]');
    const m = cpuMode(regs, csInfoFromMonitor(mon));
    assert.deepEqual([m.mode, m.modeCertain, m.bits, m.paging, m.linearPc], ['compatibility', true, 32, '4-level', b!.kernel.haltPhys]);
    // Without the monitor the stub's registers alone cannot tell: the guess is 64-bit, marked uncertain.
    const guess = cpuMode(regs);
    assert.deepEqual([guess.mode, guess.modeCertain], ['long', false]);
    const bytes = (await b!.c.readVirtual(T1, virt(b!.kernel.haltVirt), 3)).data;
    const ins = (await Disassembler.create()).disassemble(bytes, b!.kernel.haltVirt, m.bits);
    assert.deepEqual(ins.map(i => i.text), ['hlt', `jmp 0x${b!.kernel.haltVirt.toString(16)}`]);
  });
});
