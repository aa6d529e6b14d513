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

/** Bytes and instructions per capstone call (see disassemble); x86 instructions are ≤ 15 bytes. */
const CHUNK_BYTES = 4096;
const CHUNK_INSNS = 1024;
const MAX_INSN_BYTES = 15;

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
      // Bounded calls: capstone-wasm passes the input on its 64 KiB stack and allocates every
      // instruction at once; ~30,000 instructions in one call abort the module for good.
      const chunk = bytes.subarray(off, off + CHUNK_BYTES);
      const atEnd = off + chunk.length >= bytes.length;
      let decoded: ReturnType<Capstone['disasm']> = [];
      try {
        decoded = cs.disasm(chunk, { address: address & addrMask, count: Math.min(max - out.length, CHUNK_INSNS) });
      } catch {
        decoded = []; // capstone throws when the first instruction is invalid
      }
      const start = off;
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
      const consumed = off - start;
      // Decoding stopped inside the chunk: either the instruction count was reached, or an
      // instruction straddles the chunk's end (decode it in the next round), or it is invalid.
      const straddles = !atEnd && consumed > chunk.length - MAX_INSN_BYTES && consumed > 0;
      if (off < bytes.length && out.length < max && decoded.length < CHUNK_INSNS && !straddles) {
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
