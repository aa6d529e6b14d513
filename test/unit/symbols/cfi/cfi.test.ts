// .debug_frame / .eh_frame parsing and the row evaluator on hand-assembled records.
import assert from 'node:assert/strict';
import fc from 'fast-check';
import { ParseError } from '../../../../adapter/common/cursor';
import { CfiSection } from '../../../../adapter/symbols/cfi/section';
import { cstr, le, record, sleb, uleb } from './asm';

// x86_64 GCC-style CIE: code_align 1, data_align -8, RA 16, CFA = rsp+8, RA at CFA-8.
const cieBodyDebugFrame = [...le(0xffffffff, 4), 4, ...cstr(''), 8, 0, ...uleb(1), ...sleb(-8), ...uleb(16),
  0x0c, 7, 8, 0x90, 1];

function debugFrame(fdeInstrs: number[], low = 0x401000n, range = 0x40n): Uint8Array {
  const cie = record(cieBodyDebugFrame);
  const fde = record([...le(0, 4), ...le(low, 8), ...le(range, 8), ...fdeInstrs]);
  return Uint8Array.from([...cie, ...fde]);
}

describe('CFI sections and rows', () => {
  it('parses a .debug_frame v4 CIE/FDE and applies a push rbp / mov rbp,rsp prologue', () => {
    // advance 1; def_cfa_offset 16; offset r6 at cfa-16; advance 3; def_cfa_register r6
    const s = new CfiSection({ kind: 'debug_frame', bytes: debugFrame([0x41, 0x0e, 16, 0x86, 2, 0x43, 0x0d, 6]) });
    assert.equal(s.fdeCount, 1);
    const cie = s.cieAt(0);
    assert.equal(cie.version, 4);
    assert.equal(cie.dataAlign, -8n);
    assert.equal(cie.returnAddressRegister, 16);

    const r0 = s.rowAt(0x401000n)!.row;
    assert.deepEqual(r0.cfa, { kind: 'regOffset', reg: 7, offset: 8n });
    assert.deepEqual(r0.registers.get(16), { kind: 'offset', offset: -8n });
    assert.equal(r0.start, 0x401000n);
    assert.equal(r0.end, 0x401001n);

    const r1 = s.rowAt(0x401003n)!.row;
    assert.deepEqual(r1.cfa, { kind: 'regOffset', reg: 7, offset: 16n });
    assert.deepEqual(r1.registers.get(6), { kind: 'offset', offset: -16n });
    assert.equal(r1.start, 0x401001n);
    assert.equal(r1.end, 0x401004n);

    const r2 = s.rowAt(0x40103fn)!.row;
    assert.deepEqual(r2.cfa, { kind: 'regOffset', reg: 6, offset: 16n });
    assert.equal(r2.end, 0x401040n);
    assert.equal(s.rowAt(0x401040n), undefined);
    assert.equal(s.rowAt(0x400fffn), undefined);
  });

  it('remember_state/restore_state restores CFA and registers; restore goes back to the CIE rule', () => {
    const s = new CfiSection({
      kind: 'debug_frame',
      bytes: debugFrame([0x41, 0x0e, 16, 0x86, 2, 0x0a, 0x41, 0x0e, 32, 0x08, 6, 0x41, 0x0b, 0xc6 - 0x00, 0x41, 0xd0]),
    });
    assert.deepEqual(s.rowAt(0x401002n)!.row.cfa, { kind: 'regOffset', reg: 7, offset: 32n });
    assert.deepEqual(s.rowAt(0x401002n)!.row.registers.get(6), { kind: 'sameValue' });
    const r = s.rowAt(0x401003n)!.row;
    assert.deepEqual(r.cfa, { kind: 'regOffset', reg: 7, offset: 16n });
    assert.equal(r.registers.get(6), undefined); // DW_CFA_restore r6: the CIE has no rule for it
    // DW_CFA_restore r16 (0xd0) puts back the CIE's RA rule
    assert.deepEqual(s.rowAt(0x401004n)!.row.registers.get(16), { kind: 'offset', offset: -8n });
  });

  it('decodes every extended rule kind', () => {
    const instrs = [
      0x05, 3, ...uleb(3),             // offset_extended rbx cfa-24
      0x11, 12, ...sleb(-4),           // offset_extended_sf r12 at cfa+32
      0x2f, 13, ...uleb(2),            // GNU_negative_offset_extended r13 at cfa+16
      0x14, 14, ...uleb(1),            // val_offset r14 = cfa-8
      0x15, 15, ...sleb(2),            // val_offset_sf r15 = cfa-16
      0x07, 0,                         // undefined rax
      0x09, 1, 2,                      // register rdx in rcx
      0x10, 4, 2, 0x77, 0x00,          // expression rsi: [rsp+0]
      0x16, 5, 2, 0x77, 0x08,          // val_expression rdi: rsp+8
      0x2e, ...uleb(16),               // GNU_args_size (ignored)
      0x02, 0x10,                      // advance_loc1 16
      0x12, 6, ...sleb(-2),            // def_cfa_sf rbp, 16
      0x03, ...le(0x10, 2),            // advance_loc2 16
      0x13, ...sleb(-4),               // def_cfa_offset_sf 32
      0x04, ...le(0x8, 4),             // advance_loc4 8
      0x0f, 3, 0x76, 0x10, 0x06,       // def_cfa_expression [rbp+16]
    ];
    const s = new CfiSection({ kind: 'debug_frame', bytes: debugFrame(instrs) });
    const r = s.rowAt(0x401000n)!.row;
    assert.deepEqual(r.registers.get(3), { kind: 'offset', offset: -24n });
    assert.deepEqual(r.registers.get(12), { kind: 'offset', offset: 32n });
    assert.deepEqual(r.registers.get(13), { kind: 'offset', offset: 16n });
    assert.deepEqual(r.registers.get(14), { kind: 'valOffset', offset: -8n });
    assert.deepEqual(r.registers.get(15), { kind: 'valOffset', offset: -16n });
    assert.deepEqual(r.registers.get(0), { kind: 'undefined' });
    assert.deepEqual(r.registers.get(1), { kind: 'register', reg: 2 });
    assert.deepEqual(r.registers.get(4), { kind: 'expression', expr: Uint8Array.from([0x77, 0]) });
    assert.deepEqual(r.registers.get(5), { kind: 'valExpression', expr: Uint8Array.from([0x77, 8]) });
    assert.deepEqual(s.rowAt(0x401010n)!.row.cfa, { kind: 'regOffset', reg: 6, offset: 16n });
    assert.deepEqual(s.rowAt(0x401020n)!.row.cfa, { kind: 'regOffset', reg: 6, offset: 32n });
    assert.deepEqual(s.rowAt(0x401028n)!.row.cfa, { kind: 'expression', expr: Uint8Array.from([0x76, 0x10, 0x06]) });
  });

  it('parses .eh_frame with zR pcrel|sdata4 pointers, zPLR with an indirect personality and zRS', () => {
    const sectionAddress = 0x402000n;
    const cie1 = record([...le(0, 4), 1, ...cstr('zR'), ...uleb(1), ...sleb(-8), 16, ...uleb(1), 0x1b, 0x0c, 7, 8, 0x90, 1]);
    // FDE 1 at offset cie1.length: CIE pointer = distance from this field back to offset 0
    const f1Off = cie1.length;
    const f1Loc = f1Off + 8; // section offset of the initial_location field
    const target1 = 0x401000n;
    const fde1 = record([...le(f1Off + 4, 4), ...le(target1 - (sectionAddress + BigInt(f1Loc)), 4), ...le(0x20, 4), ...uleb(0), 0x41, 0x0e, 16]);
    const cie2Off = f1Off + fde1.length;
    // zPLR: personality indirect|pcrel|sdata4 (0x9b), LSDA pcrel|sdata4 (0x1b), FDE pcrel|sdata4; 'S' signal frame
    const persField = cie2Off + 4 + 4 + 1 + 6 + 1 + 1 + 1 + 1 + 1; // length, id, version, "zPLRS\0", code, data, ra, auglen, enc
    const got = 0x403000n;
    const cie2 = record([...le(0, 4), 1, ...cstr('zPLRS'), ...uleb(1), ...sleb(-8), 16, ...uleb(7),
      0x9b, ...le(got - (sectionAddress + BigInt(persField)), 4), 0x1b, 0x1b, 0x0c, 7, 8]);
    const f2Off = cie2Off + cie2.length;
    const target2 = 0x401100n;
    const lsda = 0x404000n;
    const fde2 = record([...le(f2Off + 4 - cie2Off, 4), ...le(target2 - (sectionAddress + BigInt(f2Off + 8)), 4), ...le(0x10, 4),
      ...uleb(4), ...le(lsda - (sectionAddress + BigInt(f2Off + 17)), 4)]);
    const bytes = Uint8Array.from([...cie1, ...fde1, ...cie2, ...fde2, 0, 0, 0, 0]);
    const s = new CfiSection({
      kind: 'eh_frame', bytes, address: sectionAddress,
      readPointer: a => (a === got ? 0x7777n : undefined),
    });
    assert.equal(s.fdeCount, 2);
    const a = s.rowAt(0x401001n)!;
    assert.equal(a.fde.initialLocation, target1);
    assert.deepEqual(a.row.cfa, { kind: 'regOffset', reg: 7, offset: 16n });
    const b = s.rowAt(0x40110fn)!;
    assert.equal(b.fde.initialLocation, target2);
    assert.equal(b.fde.cie.personality, 0x7777n);
    assert.equal(b.fde.lsda, lsda);
    assert.equal(b.row.signalFrame, true);
    assert.equal(s.rowAt(0x401110n), undefined);
    // Without a way to read the GOT the personality is unknown, but unwinding still works
    const noGot = new CfiSection({ kind: 'eh_frame', bytes, address: sectionAddress });
    assert.equal(noGot.fdeCount, 2);
    assert.equal(noGot.rowAt(0x40110fn)!.fde.cie.personality, undefined);
    assert.deepEqual(noGot.problems, []);
  });

  it('reports a bad instruction stream with section and offset', () => {
    const s = new CfiSection({ kind: 'debug_frame', bytes: debugFrame([0x41, 0x3f]) });
    assert.throws(() => s.rowAt(0x401002n), (e: unknown) => e instanceof ParseError && e.section === '.debug_frame' && /0x3f/.test(e.message));
    const s2 = new CfiSection({ kind: 'debug_frame', bytes: debugFrame([0x0b]) });
    assert.throws(() => s2.rowAt(0x401000n), /restore_state without/);
  });

  it('mutated sections give ParseError or a result, never another exception or a hang', () => {
    const base = debugFrame([0x41, 0x0e, 16, 0x86, 2, 0x0a, 0x43, 0x0d, 6, 0x0b, 0x10, 4, 2, 0x77, 0]);
    fc.assert(fc.property(
      fc.array(fc.tuple(fc.nat(base.length - 1), fc.integer({ min: 0, max: 255 })), { minLength: 1, maxLength: 6 }),
      fc.nat(base.length), fc.bigInt(0x400ff0n, 0x401050n),
      (muts, cut, pc) => {
        const b = Uint8Array.from(base);
        for (const [i, v] of muts) b[i] = v;
        for (const kind of ['debug_frame', 'eh_frame'] as const) {
          const s = new CfiSection({ kind, bytes: b.subarray(0, cut) });
          try { s.rowAt(pc); } catch (e) { if (!(e instanceof ParseError)) throw e; }
        }
      }), { numRuns: 4000 });
  });
});
