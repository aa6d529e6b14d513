import * as assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import * as path from 'node:path';
import { decodeFields, summarizeFlags, withField } from '../../../adapter/x86/bits';
import { CR0_FIELDS, CR4_FIELDS, EFER_FIELDS, RFLAGS_FIELDS, decodeCr3 } from '../../../adapter/x86/regdefs';
import { cpuMode, csInfoFromMonitor, pagingMode } from '../../../adapter/x86/cpumode';
import { parseInfoRegisters } from '../../../adapter/x86/monitorRegs';
import { buildRegisterGroups, RegisterNode } from '../../../adapter/x86/registers';
import { decodeX87, formatG, formatX87, xmmViews, formatVector } from '../../../adapter/x86/fpvalues';
import { writeLE } from '../../../adapter/common/hex';

const fixture = (name: string) => readFileSync(path.join(__dirname, 'fixtures', name), 'utf8');

describe('x86/registers: flag and control register decoding', () => {
  it('decodes RFLAGS like gdb, bit order, IOPL as a field', () => {
    assert.equal(summarizeFlags(0x246n, RFLAGS_FIELDS), '[ PF ZF IF ]');
    assert.equal(summarizeFlags(0x3202n, RFLAGS_FIELDS), '[ IF IOPL=3 ]');
    assert.equal(summarizeFlags(0x2n, RFLAGS_FIELDS), '[ ]');
    const iopl = decodeFields(0x3000n, RFLAGS_FIELDS).find(f => f.name === 'IOPL');
    assert.equal(iopl?.value, 3n);
    assert.equal(iopl?.width, 2);
  });
  it('decodes CR0, CR4 and EFER bit names at the right positions', () => {
    assert.equal(summarizeFlags(0x80010011n, CR0_FIELDS), '[ PE ET WP PG ]');
    assert.equal(summarizeFlags(0x60000010n, CR0_FIELDS), '[ ET NW CD ]');
    assert.equal(summarizeFlags(0xa0n, CR4_FIELDS), '[ PAE PGE ]');
    assert.equal(summarizeFlags((1n << 12n) | (1n << 17n) | (1n << 20n) | (1n << 21n) | (1n << 24n), CR4_FIELDS), '[ LA57 PCIDE SMEP SMAP PKS ]');
    assert.equal(summarizeFlags(0xd01n, EFER_FIELDS), '[ SCE LME LMA NXE ]');
  });
  it('replaces one field for setVariable', () => {
    const iopl = RFLAGS_FIELDS.find(f => f.name === 'IOPL')!;
    assert.equal(withField(0x246n, iopl, 2n), 0x2246n);
    const ifFlag = RFLAGS_FIELDS.find(f => f.name === 'IF')!;
    assert.equal(withField(0x246n, ifFlag, 0n), 0x46n);
  });
  it('decodes CR3 with and without PCIDs and per paging mode', () => {
    assert.deepEqual(decodeCr3(0x101018n, 0xa0n), { base: 0x101000n, pwt: true, pcd: true });
    assert.deepEqual(decodeCr3(0x12345005n, 1n << 17n), { base: 0x12345000n, pwt: false, pcd: false, pcid: 5 });
    assert.equal(decodeCr3(0x1234_5fe0n, 0x20n, 'PAE').base, 0x1234_5fe0n);
    assert.equal(decodeCr3(0xfff0_0000_0010_1000n, 0n).base, 0x0000_0000_0010_1000n);
  });
});

describe('x86/registers: CPU mode', () => {
  const regs = (o: Record<string, bigint>) => new Map(Object.entries(o));
  it('reset state is real mode with the linear PC at the reset vector (monitor base)', () => {
    const [cpu0] = parseInfoRegisters(fixture('info-registers-reset-smp2.txt'));
    const m = cpuMode(regs({ cr0: 0x60000010n, cs: 0xf000n, rip: 0xfff0n, eflags: 2n }), csInfoFromMonitor(cpu0));
    assert.equal(m.mode, 'real');
    assert.equal(m.bits, 16);
    assert.equal(m.paging, 'none');
    assert.equal(m.linearPc, 0xfffffff0n);
  });
  it('real mode without the monitor uses selector << 4 (AP parked at CS=0x800, rip 0x11)', () => {
    const m = cpuMode(regs({ cr0: 0n, cs: 0x800n, rip: 0x11n }));
    assert.equal(m.linearPc, 0x8011n);
    assert.equal(m.cpl, 0);
  });
  it('long mode with CS.L from the monitor, CPL from CS.RPL', () => {
    const [cpu0] = parseInfoRegisters(fixture('info-registers-long-mode.txt'));
    const cs = csInfoFromMonitor(cpu0);
    const m = cpuMode(regs({ cr0: 0x80010011n, cr4: 0xa0n, efer: 0xd01n, cs: 8n, rip: 0xffffffff80100052n, eflags: 0x86n }), cs);
    assert.deepEqual([m.mode, m.modeCertain, m.cpl, m.paging, m.bits, m.interruptsEnabled], ['long', true, 0, '4-level', 64, false]);
    const user = cpuMode(regs({ cr0: 0x80010011n, cr4: 0xa0n, efer: 0xd01n, cs: 0x2bn, rip: 0x400000n, eflags: 0x202n }));
    assert.deepEqual([user.mode, user.modeCertain, user.cpl, user.interruptsEnabled], ['long', false, 3, true]);
  });
  it('compatibility mode when LMA=1 and CS.L=0; protected when LMA=0', () => {
    const compat = cpuMode(regs({ cr0: 0x80000011n, cr4: 0x20n, efer: 0x500n, cs: 0x23n, rip: 0x1_0000_1234n }), { long: false, big: true, base: 0n });
    assert.deepEqual([compat.mode, compat.bits, compat.cpl, compat.pc], ['compatibility', 32, 3, 0x1234n]);
    const prot = cpuMode(regs({ cr0: 0x11n, cs: 0x8n, rip: 0x100000n }), { long: false, big: true, base: 0n });
    assert.deepEqual([prot.mode, prot.bits, prot.paging], ['protected', 32, 'none']);
    const prot16 = cpuMode(regs({ cr0: 0x11n, cs: 0x8n, rip: 0x100n }), { long: false, big: false, base: 0x9000n });
    assert.deepEqual([prot16.bits, prot16.linearPc], [16, 0x9100n]);
  });
  it('paging modes: none, 32-bit, PAE, 4-level, 5-level', () => {
    assert.equal(pagingMode(0x11n, 0n, 0n), 'none');
    assert.equal(pagingMode(0x80000011n, 0n, 0n), '32-bit');
    assert.equal(pagingMode(0x80000011n, 0x20n, 0n), 'PAE');
    assert.equal(pagingMode(0x80000011n, 0x20n, 0x500n), '4-level');
    assert.equal(pagingMode(0x80000011n, 0x1020n, 0x500n), '5-level');
  });
});

describe('x86/monitorRegs: info registers parser', () => {
  it('parses QEMU 7.2 reset output of two CPUs (32-bit names, HLT on the AP)', () => {
    const cpus = parseInfoRegisters(fixture('info-registers-reset-smp2.txt'));
    assert.equal(cpus.length, 2);
    assert.deepEqual(cpus.map(c => c.cpu), [0, 1]);
    assert.deepEqual(cpus.map(c => c.halted), [false, true]);
    const cs = cpus[0].segments.get('CS')!;
    assert.equal(cs.selector, 0xf000);
    assert.equal(cs.base, 0xffff0000n);
    assert.equal(cs.limit, 0xffff);
    assert.equal(cs.flags, 0x9b00);
    assert.equal(cs.present, true);
    assert.equal(cs.code, true);
    assert.equal(cs.long, false);
    assert.equal(cpus[0].values.get('EIP'), 0xfff0n);
    assert.equal(cpus[0].values.get('CR0'), 0x60000010n);
    assert.equal(cpus[0].values.get('EFER'), 0n);
    assert.equal(cpus[0].wide, false);
    assert.deepEqual(cpus[0].idt, { base: 0n, limit: 0xffff });
  });
  it('parses long-mode output: CS64 attributes, 64-bit bases, GDT, TR', () => {
    const [c] = parseInfoRegisters(fixture('info-registers-long-mode.txt'));
    const cs = c.segments.get('CS')!;
    assert.equal(cs.long, true);
    assert.equal(cs.dpl, 0);
    assert.equal(cs.text, 'DPL=0 CS64 [-RA]');
    assert.equal(c.values.get('RIP'), 0xffffffff80100052n);
    assert.equal(c.values.get('R8'), 0n);
    assert.equal(c.values.get('CR3'), 0x101000n);
    assert.equal(c.gdt?.base, 0x106000n);
    assert.equal(c.gdt?.limit, 0x17);
    assert.equal(c.segments.get('TR')?.text, 'DPL=0 TSS64-busy');
    assert.equal(c.halted, true);
    assert.equal(c.cpl, 0);
    assert.equal(c.wide, true);
  });
  it('rejects text that is not a register dump', () => {
    assert.throws(() => parseInfoRegisters('unknown command: info regs\n'), /no CS\/RIP/);
    assert.throws(() => parseInfoRegisters(''), /empty/);
  });
});

describe('x86/fpvalues: x87 and SSE', () => {
  const x87 = (sign: number, exp: number, mant: bigint) => {
    const b = new Uint8Array(10);
    b.set(writeLE(mant, 8), 0);
    const se = (sign << 15) | exp;
    b[8] = se & 0xff; b[9] = se >> 8;
    return b;
  };
  it('decodes 80-bit values', () => {
    assert.equal(decodeX87(x87(0, 0x3fff, 1n << 63n)).value, 1);
    assert.equal(decodeX87(x87(1, 0x4000, 3n << 62n)).value, -3);
    assert.equal(formatX87(decodeX87(x87(0, 0x3fff, 0xc000000000000000n))), '1.5');
    assert.equal(formatX87(decodeX87(x87(0, 0, 0n))), '0');
    assert.equal(formatX87(decodeX87(x87(1, 0x7fff, 1n << 63n))), '-inf');
    assert.equal(decodeX87(x87(0, 0x7fff, 0xc000000000000000n)).kind, 'nan');
    assert.equal(decodeX87(x87(0, 0x3fff, 0x4000000000000000n)).kind, 'unnormal');
    // pi to 64 bits: gdb shows 3.14159265358979323851; the double is Math.PI.
    assert.equal(decodeX87(x87(0, 0x4000, 0xc90fdaa22168c235n)).value, Math.PI);
  });
  it('shows xmm as gdb unions', () => {
    const b = new Uint8Array(16);
    new DataView(b.buffer).setFloat32(0, 1.5, true);
    new DataView(b.buffer).setFloat32(4, -2, true);
    b[15] = 0xff;
    const views = xmmViews(b);
    assert.deepEqual(views.map(v => v.name), ['v4_float', 'v2_double', 'v16_int8', 'v8_int16', 'v4_int32', 'v2_int64', 'uint128']);
    assert.equal(formatVector(views[0]), '{1.5, -2, 0, -1.70141183e+38}');
    assert.equal((views[2].elements as bigint[])[15], -1n);
    assert.equal(formatVector(views[6]), (0xff00000000000000c00000003fc00000n).toString());
  });
  it('prints xmm0 exactly as gdb 13 does against QEMU (v4_float[0] = 1.5)', () => {
    // gdb -batch … -ex 'set $xmm0.v4_float[0] = 1.5' -ex 'p $xmm0' on QEMU 7.2 at reset.
    const gdb = '{v4_float = {1.5, 0, 0, 0}, v2_double = {5.2842668622670356e-315, 0}, v16_int8 = {0, 0, -64, 63, 0 <repeats 12 times>}, ' +
      'v8_int16 = {0, 16320, 0, 0, 0, 0, 0, 0}, v4_int32 = {1069547520, 0, 0, 0}, v2_int64 = {1069547520, 0}, uint128 = 1069547520}';
    const groups = buildRegisterGroups(new Map([['xmm0', 0x3fc00000n]]));
    assert.equal(groups.find(g => g.name === 'SSE')!.nodes[0].value, gdb);
  });
  it('formats like C %g', () => {
    assert.equal(formatG(0.1, 9), '0.1');
    assert.equal(formatG(Math.fround(0.1), 9), '0.100000001');
    assert.equal(formatG(1e-5, 17), '1.0000000000000001e-05');
    assert.equal(formatG(123456789012, 9), '1.23456789e+11');
    assert.equal(formatG(0.0001, 9), '0.0001');
    assert.equal(formatG(100, 9), '100');
  });
});

describe('x86/registers: DAP register groups', () => {
  const find = (nodes: readonly RegisterNode[], name: string) => nodes.find(n => n.name === name);
  const regs = new Map<string, bigint>([
    ['rax', 1n], ['rbx', 2n], ['rcx', 3n], ['rdx', 4n], ['rsi', 5n], ['rdi', 6n], ['rbp', 7n], ['rsp', 0xffffffff80010000n],
    ['r8', 0n], ['r9', 0n], ['r10', 0n], ['r11', 0n], ['r12', 0n], ['r13', 0n], ['r14', 0n], ['r15', 0n],
    ['rip', 0xffffffff80100052n], ['eflags', 0x246n], ['cs', 8n], ['ss', 0x10n], ['ds', 0x10n], ['es', 0x10n], ['fs', 0n], ['gs', 0n],
    ['fs_base', 0n], ['gs_base', 0xffffffff80200000n], ['k_gs_base', 0n],
    ['cr0', 0x80010011n], ['cr2', 0n], ['cr3', 0x101018n], ['cr4', 0xa0n], ['cr8', 0n], ['efer', 0xd01n],
    ['st0', 0x3fff8000000000000000n], ['xmm0', 0x3fc00000n], ['mxcsr', 0x1f80n],
  ]);
  it('groups general purpose, segments, control, bases, x87 and SSE', () => {
    const [cpu] = parseInfoRegisters(fixture('info-registers-long-mode.txt'));
    const groups = buildRegisterGroups(regs, cpu);
    assert.deepEqual(groups.map(g => [g.name, g.onDemand]), [
      ['General Purpose', false], ['Segments', false], ['Control', false], ['Segment Bases', false], ['x87', true], ['SSE', true]]);
    const gp = groups[0].nodes;
    assert.equal(gp.length, 18);
    assert.equal(find(gp, 'rip')?.value, '0xffffffff80100052');
    assert.equal(find(gp, 'rip')?.isAddress, true);
    const eflags = find(gp, 'eflags')!;
    assert.equal(eflags.value, '0x00000246 [ PF ZF IF ]');
    assert.equal(find(eflags.children!, 'ZF')?.value, '1');
    assert.equal(find(eflags.children!, 'CF')?.value, '0');
    const cs = find(groups[1].nodes, 'cs')!;
    assert.equal(cs.value, '0x0008 DPL=0 CS64 [-RA]');
    assert.equal(find(cs.children!, 'index')?.value, '1');
    assert.ok(find(groups[1].nodes, 'gdtr')?.value.includes('base=0x106000'));
    const control = groups[2].nodes;
    assert.equal(find(control, 'cr0')?.value, '0x80010011 [ PE ET WP PG ]');
    assert.equal(find(control, 'cr3')?.value, '0x0000000000101018 [ base=0x101000 PWT PCD ]');
    assert.equal(find(find(control, 'cr3')!.children!, 'base')?.raw, 0x101000n);
    assert.equal(find(control, 'efer')?.value, '0x0d01 [ SCE LME LMA NXE ]');
    assert.equal(find(find(control, 'cr4')!.children!, 'PAE')?.value, '1');
    assert.equal(find(groups[4].nodes, 'st0')?.value, '1');
    assert.match(find(groups[5].nodes, 'xmm0')!.value, /^\{v4_float = \{1\.5, 0, 0, 0\}/);
    assert.equal(find(groups[5].nodes, 'mxcsr')?.value, '0x00001f80 [ IM DM ZM OM UM PM ]');
  });
  it('omits what the map does not hold and works without the monitor', () => {
    const groups = buildRegisterGroups(new Map([['rip', 0x1000n], ['cs', 8n]]));
    assert.deepEqual(groups.map(g => g.name), ['General Purpose', 'Segments']);
    assert.equal(groups[1].nodes[0].value, '0x0008');
  });
});
