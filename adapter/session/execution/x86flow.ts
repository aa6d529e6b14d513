// Length and control flow of common x86-64 instructions straight from their bytes, for line-step
// plans: ~1 µs where a capstone-wasm call costs 25-500 µs. Only encodings it knows for sure are
// answered (moves, ALU, lea, push/pop, calls, jumps, returns, common SSE); undefined means "ask
// the full disassembler". Checked against capstone over a whole kernel's .text (unit test).
import type { Flow } from './linePlan';

export interface FastInsn { length: number; flow: Flow }

const PREFIXES = new Set([0x66, 0x67, 0xf2, 0xf3, 0x2e, 0x3e, 0x26, 0x36, 0x64, 0x65, 0xf0]);

/** One-byte opcodes with a ModRM byte and no immediate (or one given by IMM8/IMMZ below). */
const MODRM1 = new Set<number>([
  ...range(0x00, 0x03), ...range(0x08, 0x0b), ...range(0x10, 0x13), ...range(0x18, 0x1b),
  ...range(0x20, 0x23), ...range(0x28, 0x2b), ...range(0x30, 0x33), ...range(0x38, 0x3b),
  0x63, 0x69, 0x6b, 0x80, 0x81, 0x83, ...range(0x84, 0x8b), 0x8d, 0x8f,
  0xc0, 0xc1, 0xc6, 0xc7, 0xd0, 0xd1, 0xd2, 0xd3, 0xf6, 0xf7, 0xfe, 0xff,
]);
/** ModRM opcodes followed by an 8-bit immediate. */
const MODRM1_IMM8 = new Set([0x6b, 0x80, 0x83, 0xc0, 0xc1, 0xc6]);
/** ModRM opcodes followed by a 16/32-bit immediate (16 with the 0x66 prefix). */
const MODRM1_IMMZ = new Set([0x69, 0x81, 0xc7]);
/** Opcodes without ModRM and their immediate size: 'z' = 16/32, 'v' = 16/32/64 (mov r, imm). */
const PLAIN1 = new Map<number, number | 'z' | 'v'>([
  ...[0x04, 0x0c, 0x14, 0x1c, 0x24, 0x2c, 0x34, 0x3c, 0x6a, 0xa8].map(o => [o, 1] as [number, number]),
  ...[0x05, 0x0d, 0x15, 0x1d, 0x25, 0x2d, 0x35, 0x3d, 0x68, 0xa9].map(o => [o, 'z'] as [number, 'z']),
  ...range(0x50, 0x5f).map(o => [o, 0] as [number, number]),
  ...range(0x90, 0x99).map(o => [o, 0] as [number, number]),
  [0x9c, 0], [0x9d, 0], [0xa4, 0], [0xa5, 0], [0xa6, 0], [0xa7, 0], [0xaa, 0], [0xab, 0], [0xae, 0], [0xaf, 0],
  ...range(0xb0, 0xb7).map(o => [o, 1] as [number, number]),
  ...range(0xb8, 0xbf).map(o => [o, 'v'] as [number, 'v']),
  [0xc9, 0], [0xf5, 0], [0xf8, 0], [0xf9, 0], [0xfa, 0], [0xfb, 0], [0xfc, 0], [0xfd, 0],
]);
/** Two-byte (0F xx) opcodes with ModRM: cmovcc, setcc, movzx/movsx, bit tests, imul, xadd,
 *  cmpxchg, nop r/m, and the common SSE moves and arithmetic. */
const MODRM2 = new Set<number>([
  0x1f, ...range(0x10, 0x17), ...range(0x28, 0x2f), ...range(0x40, 0x4f), ...range(0x51, 0x6f), 0x7e, 0x7f,
  ...range(0x90, 0x9f), 0xa3, 0xab, 0xaf, 0xb0, 0xb1, 0xb3, 0xb6, 0xb7, 0xbb, 0xbc, 0xbd, 0xbe, 0xbf,
  0xc0, 0xc1, ...range(0xd1, 0xfe),
]);
const MODRM2_IMM8 = new Set([0x70, 0x71, 0x72, 0x73, 0xa4, 0xac, 0xba, 0xc2, 0xc4, 0xc5, 0xc6]);

function range(a: number, b: number): number[] { return Array.from({ length: b - a + 1 }, (_, i) => a + i); }

/** Bytes taken by a ModRM byte and what follows it (SIB, displacement), or -1 if cut short. */
function modrmLength(b: Uint8Array, at: number): number {
  if (at >= b.length) return -1;
  const m = b[at], mod = m >> 6, rm = m & 7;
  if (mod === 3) return 1;
  let n = 1;
  if (rm === 4) {
    if (at + 1 >= b.length) return -1;
    n++;
    if (mod === 0 && (b[at + 1] & 7) === 5) n += 4;
  } else if (mod === 0 && rm === 5) n += 4; // rip-relative
  if (mod === 1) n += 1;
  else if (mod === 2) n += 4;
  return n;
}

const rel = (b: Uint8Array, at: number, size: 1 | 4): bigint => {
  let v = 0;
  for (let i = size - 1; i >= 0; i--) v = v * 256 + b[at + i];
  return BigInt(size === 1 ? (v << 24) >> 24 : v | 0);
};

/** The instruction at `addr` (its bytes first in `b`) in 64-bit mode, or undefined when it is not
 *  one this table knows. */
export function fastDecode(b: Uint8Array, addr: bigint): FastInsn | undefined {
  let i = 0, opsize16 = false, rexW = false;
  while (i < b.length && PREFIXES.has(b[i])) { if (b[i] === 0x66) opsize16 = true; i++; }
  if (i < b.length && (b[i] & 0xf0) === 0x40) { rexW = (b[i] & 8) !== 0; i++; }
  if (i >= b.length) return undefined;
  const op = b[i++];
  const z = opsize16 ? 2 : 4;
  const done = (len: number, flow: Flow = { kind: 'next' }): FastInsn | undefined =>
    (len > 15 || len > b.length ? undefined : { length: len, flow });
  /** A direct branch or jump whose rel8/rel32 ends the instruction. */
  const direct = (len: number, size: 1 | 4, kind: 'branch' | 'jump'): FastInsn | undefined =>
    (len > b.length ? undefined : { length: len, flow: { kind, target: BigInt.asUintN(64, addr + BigInt(len) + rel(b, len - size, size)) } });
  if (op === 0x0f) {
    if (i >= b.length) return undefined;
    const op2 = b[i++];
    if (op2 >= 0x80 && op2 <= 0x8f) return opsize16 ? undefined : direct(i + 4, 4, 'branch');
    if (!MODRM2.has(op2) && !MODRM2_IMM8.has(op2)) return undefined;
    const m = modrmLength(b, i);
    if (m < 0) return undefined;
    return done(i + m + (MODRM2_IMM8.has(op2) ? 1 : 0));
  }
  if ((op >= 0x70 && op <= 0x7f) || (op >= 0xe0 && op <= 0xe3)) return direct(i + 1, 1, 'branch');
  if (op === 0xeb) return direct(i + 1, 1, 'jump');
  if (op === 0xe9) return opsize16 ? undefined : direct(i + 4, 4, 'jump');
  if (op === 0xe8) return opsize16 ? undefined : done(i + 4, { kind: 'call' });
  if (op === 0xc3) return done(i, { kind: 'return' });
  if (op === 0xc2) return done(i + 2, { kind: 'return' });
  const plain = PLAIN1.get(op);
  if (plain !== undefined) {
    const imm = plain === 'z' ? z : plain === 'v' ? (rexW ? 8 : z) : plain;
    return done(i + imm);
  }
  if (!MODRM1.has(op)) return undefined;
  if (i >= b.length) return undefined;
  const reg = (b[i] >> 3) & 7;
  const m = modrmLength(b, i);
  if (m < 0) return undefined;
  if (op === 0xff) {
    // /0 inc, /1 dec, /6 push: plain; /2 call near indirect; /4 jmp near indirect (special);
    // /3 /5 far forms and /7: the disassembler decides.
    if (reg === 0 || reg === 1 || reg === 6) return done(i + m);
    if (reg === 2) return done(i + m, { kind: 'call' });
    if (reg === 4) return done(i + m, { kind: 'special' });
    return undefined;
  }
  if (op === 0xfe && reg > 1) return undefined;
  if (op === 0x8f && reg !== 0) return undefined;
  if ((op === 0xc6 || op === 0xc7) && reg !== 0) return undefined;
  let imm = MODRM1_IMM8.has(op) ? 1 : MODRM1_IMMZ.has(op) ? z : 0;
  if (op === 0xf6 && reg <= 1) imm = 1;
  if (op === 0xf7 && reg <= 1) imm = z;
  return done(i + m + imm);
}
