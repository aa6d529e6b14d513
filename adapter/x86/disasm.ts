// x86 disassembly over capstone-wasm (Capstone 5): 16/32/64-bit code at a base address,
// Intel syntax by default, AT&T on request. Bytes capstone cannot decode become one-byte
// `(bad)` entries (as objdump prints them) so a listing never stops early.
import { Capstone, Const, loadCapstone } from 'capstone-wasm';
import { ExoError } from '../common/errors';

export type CodeBits = 16 | 32 | 64;
export type AsmSyntax = 'intel' | 'att';

export interface Instruction {
  readonly address: bigint;
  readonly bytes: Uint8Array;
  readonly mnemonic: string;
  readonly operands: string;
  /** `mnemonic operands` with one space, e.g. `mov cr3, rax`. */
  readonly text: string;
  readonly length: number;
  /** True for bytes that do not decode. */
  readonly invalid: boolean;
}

export interface DisassembleOptions {
  readonly syntax?: AsmSyntax;
  /** Stop after this many instructions (default: all the bytes). */
  readonly count?: number;
}

let loading: Promise<void> | undefined;

/** Loads the wasm module once per process; later calls share the same promise. */
export function ensureCapstone(): Promise<void> {
  loading ??= loadCapstone().catch((e: unknown) => {
    loading = undefined;
    throw new ExoError('internal', `could not load the capstone disassembler (capstone.wasm next to the bundle?): ${e instanceof Error ? e.message : String(e)}`);
  });
  return loading;
}

const MODES: Record<CodeBits, () => number> = {
  16: () => Const.CS_MODE_16,
  32: () => Const.CS_MODE_32,
  64: () => Const.CS_MODE_64,
};

export class Disassembler {
  private readonly handles = new Map<string, Capstone>();

  private constructor() {}

  /** A disassembler ready to use (the wasm module is loaded on first creation). */
  static async create(): Promise<Disassembler> {
    await ensureCapstone();
    return new Disassembler();
  }

  private handle(bits: CodeBits, syntax: AsmSyntax): Capstone {
    const key = `${bits}/${syntax}`;
    let cs = this.handles.get(key);
    if (!cs) {
      // Constants live under Const: the top-level names are undefined and would select ARM.
      cs = new Capstone(Const.CS_ARCH_X86, MODES[bits]());
      if (syntax === 'att') cs.setOption(Const.CS_OPT_SYNTAX, Const.CS_OPT_SYNTAX_ATT);
      this.handles.set(key, cs);
    }
    return cs;
  }

  /**
   * Decodes `bytes` as if they were at `base` (which relative branch targets are computed from).
   * Addresses are computed here: capstone returns addresses above 2^63 as negative numbers.
   */
  disassemble(bytes: Uint8Array, base: bigint, bits: CodeBits, opts: DisassembleOptions = {}): Instruction[] {
    const cs = this.handle(bits, opts.syntax ?? 'intel');
    const max = opts.count ?? Number.POSITIVE_INFINITY;
    const addrMask = bits === 64 ? (1n << 64n) - 1n : bits === 32 ? 0xffff_ffffn : (1n << 64n) - 1n;
    const out: Instruction[] = [];
    let off = 0;
    while (off < bytes.length && out.length < max) {
      const address = BigInt.asUintN(64, base + BigInt(off));
      let decoded: ReturnType<Capstone['disasm']> = [];
      try {
        const want = Number.isFinite(max) ? max - out.length : 0;
        decoded = cs.disasm(bytes.subarray(off), { address: address & addrMask, count: want });
      } catch {
        decoded = []; // capstone throws when the first instruction is invalid
      }
      for (const insn of decoded) {
        const at = BigInt.asUintN(64, base + BigInt(off));
        const operands = insn.opStr;
        out.push({
          address: at,
          bytes: bytes.slice(off, off + insn.size),
          mnemonic: insn.mnemonic,
          operands,
          text: operands ? `${insn.mnemonic} ${operands}` : insn.mnemonic,
          length: insn.size,
          invalid: false,
        });
        off += insn.size;
      }
      if (off < bytes.length && out.length < max) {
        out.push({ address: BigInt.asUintN(64, base + BigInt(off)), bytes: bytes.slice(off, off + 1), mnemonic: '(bad)', operands: '', text: '(bad)', length: 1, invalid: true });
        off += 1;
      }
    }
    return out;
  }

  /** Frees the capstone handles. */
  close(): void {
    for (const cs of this.handles.values()) cs.close();
    this.handles.clear();
  }
}

/** Hex of an instruction's bytes, space separated (`0f 01 f8`). */
export function bytesText(bytes: Uint8Array): string {
  return Array.from(bytes, b => b.toString(16).padStart(2, '0')).join(' ');
}
