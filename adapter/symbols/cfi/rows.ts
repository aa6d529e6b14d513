// The CFA/register rule table (DWARF 5 §6.4.2): runs a CIE's initial instructions and an FDE's
// instructions up to a pc and returns the row in force there. Every DW_CFA operation.
import { ByteCursor } from '../../common/cursor';
import { PointerBases, readEncodedPointer } from './encoding';
import { Cie, Fde } from './entries';

export type CfaRule =
  | { kind: 'regOffset'; reg: number; offset: bigint }
  | { kind: 'expression'; expr: Uint8Array };

export type RegisterRule =
  | { kind: 'undefined' }
  | { kind: 'sameValue' }
  /** saved at CFA + offset */
  | { kind: 'offset'; offset: bigint }
  /** value is CFA + offset */
  | { kind: 'valOffset'; offset: bigint }
  | { kind: 'register'; reg: number }
  /** saved at the address the expression computes (CFA pushed first) */
  | { kind: 'expression'; expr: Uint8Array }
  /** value is what the expression computes (CFA pushed first) */
  | { kind: 'valExpression'; expr: Uint8Array };

export interface UnwindRow {
  /** The row applies to [start, end). */
  start: bigint;
  end: bigint;
  cfa: CfaRule;
  /** Registers without an entry follow the architecture's default rule. */
  registers: Map<number, RegisterRule>;
  signalFrame: boolean;
  returnAddressRegister: number;
}

const enum CFA {
  advance_loc = 0x40, offset = 0x80, restore = 0xc0,
  nop = 0x00, set_loc = 0x01, advance_loc1 = 0x02, advance_loc2 = 0x03, advance_loc4 = 0x04,
  offset_extended = 0x05, restore_extended = 0x06, undefined = 0x07, same_value = 0x08,
  register = 0x09, remember_state = 0x0a, restore_state = 0x0b, def_cfa = 0x0c,
  def_cfa_register = 0x0d, def_cfa_offset = 0x0e, def_cfa_expression = 0x0f, expression = 0x10,
  offset_extended_sf = 0x11, def_cfa_sf = 0x12, def_cfa_offset_sf = 0x13, val_offset = 0x14,
  val_offset_sf = 0x15, val_expression = 0x16,
  GNU_window_save = 0x2d, GNU_args_size = 0x2e, GNU_negative_offset_extended = 0x2f,
}

interface State { cfa: CfaRule | undefined; regs: Map<number, RegisterRule> }

const MAX_REMEMBERED = 64;

/**
 * The row for `pc` of `fde` (pc must be inside the FDE). `sectionName` and `bases` are those of
 * the FDE's section (DW_CFA_set_loc uses the FDE pointer encoding).
 */
export function rowForPc(fde: Fde, pc: bigint, sectionName: string, bases: PointerBases): UnwindRow {
  const cie = fde.cie;
  const initial: State = { cfa: undefined, regs: new Map() };
  // The CIE's instructions have no location advances that matter; run them "forever".
  execute(cie, cie.initialInstructions, cie.instructionsOffset, initial, undefined, sectionName, bases, fde.initialLocation, undefined);
  const state: State = { cfa: initial.cfa, regs: new Map(initial.regs) };
  const fdeEnd = fde.initialLocation + fde.addressRange;
  const { start, end } = execute(cie, fde.instructions, fde.instructionsOffset, state, initial, sectionName, bases, fde.initialLocation, pc);
  if (!state.cfa) throw new ByteCursor(fde.instructions, sectionName, 0, fde.instructions.length, fde.instructionsOffset).error('no CFA rule defined for this pc');
  return {
    start, end: end ?? fdeEnd, cfa: state.cfa, registers: state.regs,
    signalFrame: cie.signalFrame, returnAddressRegister: cie.returnAddressRegister,
  };
}

function execute(
  cie: Cie, bytes: Uint8Array, baseOffset: number, st: State, initial: State | undefined,
  section: string, bases: PointerBases, startLoc: bigint, pc: bigint | undefined,
): { start: bigint; end: bigint | undefined } {
  const c = new ByteCursor(bytes, section, 0, bytes.length, baseOffset);
  const stack: State[] = [];
  let loc = startLoc;
  const da = cie.dataAlign;
  const regNum = () => c.ulebNum(0xffff, 'register number');
  const restoreRule = (reg: number, at: number) => {
    if (!initial) throw c.error('DW_CFA_restore in a CIE', at);
    const r = initial.regs.get(reg);
    if (r) st.regs.set(reg, r); else st.regs.delete(reg);
  };
  const setCfaOffset = (offset: bigint, at: number) => {
    if (!st.cfa || st.cfa.kind !== 'regOffset') throw c.error('DW_CFA_def_cfa_offset without a register CFA rule', at);
    st.cfa = { kind: 'regOffset', reg: st.cfa.reg, offset };
  };
  // Returns true when the new location passes pc: the current row is the answer.
  const advance = (to: bigint): boolean => {
    if (pc !== undefined && to > pc) return true;
    loc = to;
    return false;
  };

  while (!c.eof) {
    const at = c.pos;
    const b = c.u8();
    const hi = b & 0xc0, low = b & 0x3f;
    if (hi === CFA.advance_loc) { const to = loc + BigInt(low) * cie.codeAlign; if (advance(to)) return { start: loc, end: to }; continue; }
    if (hi === CFA.offset) { st.regs.set(low, { kind: 'offset', offset: c.uleb() * da }); continue; }
    if (hi === CFA.restore) { restoreRule(low, at); continue; }
    switch (b) {
      case CFA.nop: break;
      case CFA.set_loc: {
        const to = readEncodedPointer(c, cie.fdeEncoding, cie.addressSize, bases);
        if (to < loc) throw c.error('DW_CFA_set_loc moves backwards', at);
        if (advance(to)) return { start: loc, end: to };
        break;
      }
      case CFA.advance_loc1: case CFA.advance_loc2: case CFA.advance_loc4: {
        const delta = b === CFA.advance_loc1 ? c.u8() : b === CFA.advance_loc2 ? c.u16() : c.u32();
        const to = loc + BigInt(delta) * cie.codeAlign;
        if (advance(to)) return { start: loc, end: to };
        break;
      }
      case CFA.offset_extended: { const r = regNum(); st.regs.set(r, { kind: 'offset', offset: c.uleb() * da }); break; }
      case CFA.offset_extended_sf: { const r = regNum(); st.regs.set(r, { kind: 'offset', offset: c.sleb() * da }); break; }
      case CFA.GNU_negative_offset_extended: { const r = regNum(); st.regs.set(r, { kind: 'offset', offset: -(c.uleb() * da) }); break; }
      case CFA.val_offset: { const r = regNum(); st.regs.set(r, { kind: 'valOffset', offset: c.uleb() * da }); break; }
      case CFA.val_offset_sf: { const r = regNum(); st.regs.set(r, { kind: 'valOffset', offset: c.sleb() * da }); break; }
      case CFA.restore_extended: restoreRule(regNum(), at); break;
      case CFA.undefined: st.regs.set(regNum(), { kind: 'undefined' }); break;
      case CFA.same_value: st.regs.set(regNum(), { kind: 'sameValue' }); break;
      case CFA.register: { const r = regNum(); st.regs.set(r, { kind: 'register', reg: regNum() }); break; }
      case CFA.remember_state:
        if (stack.length >= MAX_REMEMBERED) throw c.error(`more than ${MAX_REMEMBERED} nested DW_CFA_remember_state`, at);
        stack.push({ cfa: st.cfa, regs: new Map(st.regs) });
        break;
      case CFA.restore_state: {
        const s = stack.pop();
        if (!s) throw c.error('DW_CFA_restore_state without DW_CFA_remember_state', at);
        // The CFA rule is restored too (DWARF 5 clarified this; GCC relies on it).
        st.cfa = s.cfa; st.regs = s.regs;
        break;
      }
      case CFA.def_cfa: { const r = regNum(); st.cfa = { kind: 'regOffset', reg: r, offset: c.uleb() }; break; }
      case CFA.def_cfa_sf: { const r = regNum(); st.cfa = { kind: 'regOffset', reg: r, offset: c.sleb() * da }; break; }
      case CFA.def_cfa_register: {
        const r = regNum();
        if (!st.cfa || st.cfa.kind !== 'regOffset') throw c.error('DW_CFA_def_cfa_register without a register CFA rule', at);
        st.cfa = { kind: 'regOffset', reg: r, offset: st.cfa.offset };
        break;
      }
      case CFA.def_cfa_offset: setCfaOffset(c.uleb(), at); break;
      case CFA.def_cfa_offset_sf: setCfaOffset(c.sleb() * da, at); break;
      case CFA.def_cfa_expression: { const n = c.ulebNum(c.remaining, 'expression length'); st.cfa = { kind: 'expression', expr: c.bytesN(n) }; break; }
      case CFA.expression: case CFA.val_expression: {
        const r = regNum();
        const n = c.ulebNum(c.remaining, 'expression length');
        const expr = c.bytesN(n);
        st.regs.set(r, { kind: b === CFA.expression ? 'expression' : 'valExpression', expr });
        break;
      }
      case CFA.GNU_args_size: c.uleb(); break;
      case CFA.GNU_window_save: break; // SPARC/AArch64 only: nothing to do on x86_64
      default: throw c.error(`unknown DW_CFA operation 0x${b.toString(16)}`, at);
    }
  }
  return { start: loc, end: undefined };
}
