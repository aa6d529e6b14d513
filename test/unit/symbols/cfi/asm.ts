// Test helper: assembles CIE/FDE records byte by byte (LEB128, little-endian), so CFI parser
// tests state their input exactly.

export const uleb = (v: number | bigint): number[] => {
  let x = BigInt(v); const out: number[] = [];
  do { let b = Number(x & 0x7fn); x >>= 7n; if (x !== 0n) b |= 0x80; out.push(b); } while (x !== 0n);
  return out;
};
export const sleb = (v: number | bigint): number[] => {
  let x = BigInt(v); const out: number[] = [];
  for (;;) {
    const b = Number(x & 0x7fn); x >>= 7n;
    const done = (x === 0n && (b & 0x40) === 0) || (x === -1n && (b & 0x40) !== 0);
    out.push(done ? b : b | 0x80);
    if (done) return out;
  }
};
export const le = (v: number | bigint, size: number): number[] => {
  let x = BigInt.asUintN(size * 8, BigInt(v)); const out: number[] = [];
  for (let i = 0; i < size; i++) { out.push(Number(x & 0xffn)); x >>= 8n; }
  return out;
};
export const cstr = (s: string): number[] => [...Buffer.from(s, 'latin1'), 0];

/** A record with a 32-bit length, padded with DW_CFA_nop to a multiple of 8. */
export function record(body: number[]): number[] {
  const pad = (8 - ((body.length + 4) % 8)) % 8;
  const b = [...body, ...new Array<number>(pad).fill(0)];
  return [...le(b.length, 4), ...b];
}
