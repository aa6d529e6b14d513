// The kernel views over DAP (exo/cpus, exo/pageTable, exo/translate, exo/elfMappings) against a
// real QEMU booting Exo-OS, attached through dist/adapter.js. Oracles: QEMU's own monitor
// (info tlb, info mem, gva2gpa), gdb for EXO_CPUS field addresses, readelf for sections.
import * as assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import type { DebugProtocol } from '@vscode/debugprotocol';
import { launchQemu, type QemuInstance } from '../../../adapter/qemu/launcher';
import type {
  CpusResponseBody, ElfMappingsResponseBody, PageTableResponseBody, TranslateResponseBody,
} from '../../../adapter/session/views/protocol';
import { KERNEL, pidAlive, requireBuilt, Session, waitFor, WAIT_MS } from '../adapter/harness';

const CPUS = 4;
const DIRECT_MAP = 0xffff_8000_0000_0000n;

async function body<T>(s: Session, command: string, args: object = {}): Promise<T> {
  const r = await s.dc.customRequest(command, args);
  assert.equal(r.success, true, `${command} failed: ${r.message}`);
  return r.body as T;
}

async function monitor(s: Session, cmd: string): Promise<string> {
  const r = await s.dc.evaluateRequest({ expression: `monitor ${cmd}`, context: 'repl' });
  return r.body.result;
}

/** Field addresses from gdb (an independent DWARF reader) for EXO_CPUS[i]. */
function gdbFieldAddress(index: number, field: string): bigint {
  const out = execFileSync('gdb', ['-batch', '-nx', '-ex', 'set language rust', '-ex', `print &exo::arch::x86_64::smp::EXO_CPUS[${index}].${field}`, KERNEL], { encoding: 'utf8' });
  const m = / (0x[0-9a-f]+) </.exec(out);
  assert.ok(m, `gdb printed no address for EXO_CPUS[${index}].${field}:\n${out}`);
  return BigInt(m[1]);
}

function nmAddress(name: string): bigint {
  const m = new RegExp(`^([0-9a-f]+) \\w ${name}$`, 'm').exec(execFileSync('nm', [KERNEL], { encoding: 'utf8' }));
  assert.ok(m, `${name} not in nm output`);
  return BigInt('0x' + m[1]);
}

async function readU(s: Session, addr: bigint, size: number): Promise<bigint> {
  const r = await s.dc.customRequest('readMemory', { memoryReference: '0x' + addr.toString(16), count: size }) as DebugProtocol.ReadMemoryResponse;
  const b = Buffer.from(r.body!.data!, 'base64');
  let v = 0n;
  for (let i = size - 1; i >= 0; i--) v = (v << 8n) | BigInt(b[i]);
  return v;
}

describe('kernel views over DAP on Exo-OS (real QEMU, attach)', function () {
  this.timeout(300_000);
  let q: QemuInstance | undefined;
  let s: Session | undefined;

  async function pauseAndWait(): Promise<DebugProtocol.StoppedEvent> {
    const stop = s!.nextStop();
    await s!.dc.pauseRequest({ threadId: 1 });
    return stop;
  }

  /** Our exo/pageTable infoTlb/infoMem of every vCPU == the monitor's, CPU by CPU. */
  async function compareAllCpus(cpus: number[]): Promise<number> {
    let lines = 0;
    for (const cpu of cpus) {
      const tlb = await body<PageTableResponseBody>(s!, 'exo/pageTable', { cpu, format: 'infoTlb' });
      const mem = await body<PageTableResponseBody>(s!, 'exo/pageTable', { cpu, format: 'infoMem' });
      await monitor(s!, `cpu ${cpu}`);
      const qemuTlb = (await monitor(s!, 'info tlb')).replace(/\r/g, '');
      const qemuMem = (await monitor(s!, 'info mem')).replace(/\r/g, '');
      assert.equal(tlb.text!.replace(/\n$/, ''), qemuTlb, `info tlb of CPU ${cpu}`);
      assert.equal(mem.text!.replace(/\n$/, ''), qemuMem, `info mem of CPU ${cpu}`);
      lines += tlb.text!.split('\n').length - 1;
    }
    return lines;
  }

  before(async () => {
    requireBuilt();
    q = await launchQemu({ kernel: KERNEL, cpus: CPUS, memory: '256M', timeoutMs: 30_000 });
    s = new Session();
    await s.start();
    await s.dc.initializeRequest({ adapterID: 'exo-kernel', linesStartAt1: true, columnsStartAt1: true, pathFormat: 'path' });
    const attached = s.dc.attachRequest({ port: q.gdbPort, symbols: KERNEL, timeoutMs: 30_000 } as DebugProtocol.AttachRequestArguments);
    await s.dc.waitForEvent('initialized', WAIT_MS);
    await s.dc.configurationDoneRequest();
    await attached;
    await s.nextStop();
  });

  after(async () => {
    await s?.close();
    if (q) {
      const pid = q.pid;
      await q.kill();
      await waitFor(() => !pidAlive(pid), 10_000, `our QEMU ${pid} to exit`);
    }
  });

  it('at reset: every vCPU in real mode at linear 0xfffffff0, paging off; page tables refused clearly', async () => {
    const b = await body<CpusResponseBody>(s!, 'exo/cpus');
    assert.equal(b.cpus.length, CPUS);
    for (const c of b.cpus) {
      assert.equal(c.mode, 'real', `CPU ${c.cpu}`);
      assert.equal(c.paging, 'none');
      assert.equal(c.cpl, 0);
      assert.equal(c.linearPc, '0xfffffff0', `CPU ${c.cpu} linear PC`);
      assert.equal(c.rip, '0xfff0');
    }
    const r = await s!.dc.customRequest('exo/pageTable', { cpu: 0, format: 'summary' });
    assert.equal(r.body.mode, 'none', 'summary reports paging off');
    await assert.rejects(s!.dc.customRequest('exo/pageTable', { cpu: 1, format: 'infoTlb' }), /paging off/);
    await assert.rejects(s!.dc.customRequest('exo/pageTable', { cpu: 9 }), /no CPU 9/);
  });

  it('stop at kmain (boot page tables): exo/pageTable info tlb / info mem == QEMU on the BSP', async () => {
    const bp = await s!.dc.setFunctionBreakpointsRequest({ breakpoints: [{ name: 'kmain' }] });
    assert.equal(bp.body.breakpoints[0].verified, true);
    const stop = s!.nextStop();
    await s!.dc.continueRequest({ threadId: 1 });
    assert.equal((await stop).body.reason, 'function breakpoint');
    await s!.dc.setFunctionBreakpointsRequest({ breakpoints: [] });
    assert.ok(await compareAllCpus([0]) > 0);
    const aps = await body<CpusResponseBody>(s!, 'exo/cpus');
    assert.equal(aps.cpus[0].mode, 'long');
    // APs are still parked by the firmware (no long mode yet)
    for (const c of aps.cpus.slice(1)) assert.notEqual(c.mode, 'long', `CPU ${c.cpu} before SMP bring-up`);
  });

  it(`after "${CPUS} CPUs online": long mode, CPL 0 on all; per-CPU fields from EXO_CPUS agree with gdb's field addresses`, async () => {
    await s!.dc.continueRequest({ threadId: 1 });
    await waitFor(() => /exo: smp: 4 CPUs online/.test(q!.serialOutput()), 120_000, 'the SMP online line');
    await new Promise(r => setTimeout(r, 300));
    await pauseAndWait();
    const b = await body<CpusResponseBody>(s!, 'exo/cpus');
    assert.equal(b.kernelTable, 'EXO_CPUS');
    for (const c of b.cpus) {
      assert.equal(c.mode, 'long', `CPU ${c.cpu}`);
      assert.equal(c.modeCertain, true);
      assert.equal(c.cpl, 0);
      assert.equal(c.paging, '4-level');
      assert.ok(c.state === 'halted' || c.state === 'stopped');
      assert.ok(c.function, `CPU ${c.cpu} rip ${c.rip} has a function`);
      const k = c.kernel!;
      assert.ok(k, `CPU ${c.cpu} has EXO_CPUS fields`);
      assert.equal(k.state, 'Online');
      assert.equal(k.is_bsp, c.cpu === 0 ? 'true' : 'false');
      // The same fields read at gdb's addresses through plain memory reads
      const index = Number(k.id);
      assert.equal(BigInt(k.apic_id), await readU(s!, gdbFieldAddress(index, 'apic_id'), 4), `CPU ${c.cpu} apic_id`);
      assert.equal(BigInt(k.timer_ticks), await readU(s!, gdbFieldAddress(index, 'timer_ticks'), 8), `CPU ${c.cpu} timer_ticks`);
      assert.ok(BigInt(k.timer_ticks) > 0n, 'the timer ticked');
    }
    assert.deepEqual(b.cpus.map(c => c.kernel!.apic_id).sort(), ['0', '1', '2', '3']);
  });

  it('after SMP: every vCPU\'s walk == info tlb and info mem (two stops apart)', async () => {
    const lines = await compareAllCpus([0, 1, 2, 3]);
    assert.ok(lines > 1000, `${lines} lines`);
    await s!.dc.continueRequest({ threadId: 1 });
    await new Promise(r => setTimeout(r, 500));
    await pauseAndWait();
    await compareAllCpus([3, 0]);
  });

  it('exo/translate agrees with QEMU gva2gpa (mapped, unmapped, 2 MiB direct map) and physToVirt finds kmain', async () => {
    const kmain = nmAddress('kmain');
    const cases = [kmain, nmAddress('EXO_CPUS') + 8n, DIRECT_MAP + 0x1234_5678n, 0xffff_ffff_8000_0000n, 0x1000n, 0xffff_e000_0000_0000n];
    for (const va of cases) {
      const t = await body<TranslateResponseBody>(s!, 'exo/translate', { cpu: 0, address: '0x' + va.toString(16) });
      await monitor(s!, 'cpu 0');
      const g = await monitor(s!, `gva2gpa 0x${va.toString(16)}`);
      const m = /gpa: (0x[0-9a-f]+)/.exec(g);
      if (m) {
        assert.equal(t.phys, m[1], `0x${va.toString(16)}`);
        assert.ok(t.steps!.length >= 3 && t.steps!.length <= 4);
      } else {
        assert.match(g, /Unmapped/);
        assert.equal(t.phys, undefined, `0x${va.toString(16)} should fault: ${g}`);
        assert.match(t.fault!, /not present|reserved/);
      }
    }
    const direct = await body<TranslateResponseBody>(s!, 'exo/translate', { cpu: 0, address: '0x' + (DIRECT_MAP + 0x1234_5678n).toString(16) });
    assert.equal(direct.pageSize, '0x200000');
    const kt = await body<TranslateResponseBody>(s!, 'exo/translate', { cpu: 0, address: '0x' + kmain.toString(16) });
    const back = await body<TranslateResponseBody>(s!, 'exo/translate', { cpu: 0, address: kt.phys!, direction: 'physToVirt' });
    assert.ok(back.virts!.includes('0x' + kmain.toString(16)), `physToVirt(${kt.phys}) = ${back.virts}`);
    assert.ok(back.virts!.includes('0x' + (DIRECT_MAP + BigInt(kt.phys!)).toString(16)), 'and its direct-map alias');
    await assert.rejects(s!.dc.customRequest('exo/translate', { cpu: 0, address: 'kmain' }), /not an address/);
  });

  it('exo/elfMappings: .text RX, .rodata R, .data/.bss RW+NX, no W+X page, frames at the ELF load addresses', async () => {
    const b = await body<ElfMappingsResponseBody>(s!, 'exo/elfMappings', { cpu: 2 });
    const sec = (n: string) => { const x = b.sections.find(y => y.name === n); assert.ok(x, `section ${n}`); return x; };
    const perms = (n: string) => [...new Set(sec(n).runs.filter(r => r.mapped).map(r => r.perms!.text))];
    assert.deepEqual(perms('.text'), ['r-x']);
    assert.deepEqual(perms('.rodata'), ['r--']);
    assert.deepEqual(perms('.data'), ['rw-']);
    assert.deepEqual(perms('.bss'), ['rw-']);
    assert.equal(sec('.text').mappedPages, sec('.text').pages);
    for (const seg of b.segments) {
      assert.equal(seg.writableExecutablePages, 0, seg.name);
      for (const r of seg.runs) if (r.mapped) { assert.equal(r.permsMatch, true, `${seg.name} ${r.start}`); assert.equal(r.physMatch, true); }
    }
    // The boot stub's identity-mapped segments are dropped after boot: reported, not hidden
    assert.ok(b.problems.some(p => /0x100000-0x101000 is not mapped/.test(p)), b.problems.join('\n'));
    // Sections the ELF has, per readelf (independent of our ELF reader)
    const readelf = execFileSync('readelf', ['-SW', KERNEL], { encoding: 'utf8' });
    for (const n of ['.text', '.rodata', '.data', '.bss']) assert.match(readelf, new RegExp(`\\${n}\\s+\\w+\\s+${sec(n).start.slice(2).padStart(16, '0')}`));
  });

  it('a garbage PML4 entry written by the test is shown as garbage, not followed forever; restoring it restores the view', async () => {
    const root = await body<PageTableResponseBody>(s!, 'exo/pageTable', { cpu: 1, format: 'table', includeEmpty: true });
    const before = await body<PageTableResponseBody>(s!, 'exo/pageTable', { cpu: 1, format: 'summary' });
    const slot = root.table!.entries.find(e => e.index >= 256 && e.index < 500 && BigInt(e.raw) === 0n)!;
    assert.ok(slot, 'a free kernel-half PML4 slot');
    const entryVa = DIRECT_MAP + BigInt(root.cr3) + BigInt(slot.index * 8);
    // PS is reserved in a PML4 entry; the "table" it names is kernel text (random bytes).
    const garbage = 0x0000_0000_0010_6087n;
    const write = async (v: bigint) => {
      const bytes = Buffer.alloc(8); bytes.writeBigUInt64LE(v);
      await s!.dc.customRequest('writeMemory', { memoryReference: '0x' + entryVa.toString(16), data: bytes.toString('base64') });
    };
    await write(garbage);
    try {
      const after = await body<PageTableResponseBody>(s!, 'exo/pageTable', { cpu: 1, format: 'table', fresh: true });
      const e = after.table!.entries.find(x => x.index === slot.index)!;
      assert.equal(e.raw, '0x' + garbage.toString(16));
      assert.equal(e.garbage, true);
      assert.match(e.flags, /RESERVED=0x80/);
      assert.equal(e.child, undefined, 'a garbage entry offers no child table');
      const va = BigInt(slot.virt);
      const t = await body<TranslateResponseBody>(s!, 'exo/translate', { cpu: 1, address: '0x' + va.toString(16) });
      assert.equal(t.phys, undefined);
      assert.match(t.fault!, /reserved bits 0x80 set at PML4/);
      // The full walk over the garbage terminates (a result or one clean sentence), quickly
      const t0 = Date.now();
      const r = await s!.dc.customRequest('exo/pageTable', { cpu: 1, format: 'summary' }).then(x => x, (err: Error) => err);
      assert.ok(Date.now() - t0 < 60_000);
      if (r instanceof Error) assert.match(r.message, /corrupt|garbage|distinct tables/);
    } finally {
      await write(0n);
    }
    const restored = await body<PageTableResponseBody>(s!, 'exo/pageTable', { cpu: 1, format: 'summary', fresh: true });
    assert.deepEqual(restored.summary!.leaves, before.summary!.leaves);
  });
});
