// DWARF expression evaluator on hand-assembled DW_OP byte strings.
import assert from 'node:assert/strict';
import fc from 'fast-check';
import { ParseError } from '../../../../adapter/common/cursor';
import { evaluateLocation, evaluateValue, ExprContext } from '../../../../adapter/symbols/expr/eval';
import { Location } from '../../../../adapter/symbols/expr/location';

const regs = new Map<number, bigint>([[0, 0x10n], [6, 0x7ffe0000n], [7, 0x7ffd0000n]]);
const memory = new Map<bigint, number>();
for (let i = 0; i < 16; i++) memory.set(0x1000n + BigInt(i), 0xa0 + i);

const ctx: ExprContext = {
  addressSize: 8,
  readRegister: async r => regs.get(r),
  readMemory: async (a, n) => {
    const out: number[] = [];
    for (let i = 0; i < n; i++) { const b = memory.get(a + BigInt(i)); if (b === undefined) break; out.push(b); }
    return Uint8Array.from(out);
  },
  frameBase: async () => 0x8000n,
  callFrameCfa: async () => 0x9000n,
  debugAddr: i => 0x400000n + i * 8n,
};

const ev = (bytes: number[], c: ExprContext = ctx, initialStack?: bigint[]): Promise<Location> =>
  evaluateLocation(Uint8Array.from(bytes), c, { initialStack });
const mem = (address: bigint): Location => ({ kind: 'memory', address });

describe('DWARF expression evaluator', () => {
  it('DW_OP_addr and literal arithmetic give memory locations', async () => {
    assert.deepEqual(await ev([0x03, 0x78, 0x56, 0x34, 0x12, 0, 0, 0, 0]), mem(0x12345678n));
    // lit5 lit3 minus → 2 ; lit2 lit3 mul → 6 ; plus_uconst 0x80 01 (=128)
    assert.deepEqual(await ev([0x35, 0x33, 0x1c]), mem(2n));
    assert.deepEqual(await ev([0x32, 0x33, 0x1e, 0x23, 0x80, 0x01]), mem(134n));
    // consts -8, lit0 swap minus → 8 ; signed div -8/2 = -4
    assert.deepEqual(await ev([0x11, 0x78, 0x32, 0x1b]), mem(BigInt.asUintN(64, -4n)));
    assert.deepEqual(await ev([0x11, 0x78, 0x19]), mem(8n)); // abs
    assert.deepEqual(await ev([0x08, 0xff, 0x32, 0x25]), mem(0x3fn)); // shr
    assert.deepEqual(await ev([0x11, 0x70, 0x32, 0x26]), mem(BigInt.asUintN(64, -4n))); // shra
    assert.deepEqual(await ev([0x0d, 0xff, 0xff, 0xff, 0xff]), mem((1n << 64n) - 1n)); // const4s -1
  });
  it('stack operations: dup drop over pick swap rot', async () => {
    // lit1 lit2 lit3 rot → 3 1 2 ; top=2
    assert.deepEqual(await ev([0x31, 0x32, 0x33, 0x17]), mem(2n));
    assert.deepEqual(await ev([0x31, 0x32, 0x33, 0x17, 0x13]), mem(1n));
    assert.deepEqual(await ev([0x31, 0x32, 0x14]), mem(1n));
    assert.deepEqual(await ev([0x31, 0x32, 0x33, 0x15, 0x02]), mem(1n));
    assert.deepEqual(await ev([0x31, 0x32, 0x16]), mem(1n));
    assert.deepEqual(await ev([0x37, 0x12, 0x22]), mem(14n));
  });
  it('registers: reg is a register location, breg/bregx/fbreg/call_frame_cfa are addresses', async () => {
    assert.deepEqual(await ev([0x56]), { kind: 'register', regno: 6 });
    assert.deepEqual(await ev([0x90, 0x11]), { kind: 'register', regno: 17 });
    assert.deepEqual(await ev([0x76, 0x70]), mem(0x7ffe0000n - 16n));
    assert.deepEqual(await ev([0x92, 0x07, 0x08]), mem(0x7ffd0008n));
    assert.deepEqual(await ev([0x91, 0x6c]), mem(0x8000n - 20n));
    assert.deepEqual(await ev([0x9c]), mem(0x9000n));
    assert.deepEqual(await ev([0xa1, 0x02]), mem(0x400010n));
  });
  it('deref and deref_size read little-endian memory', async () => {
    assert.deepEqual(await ev([0x0a, 0x00, 0x10, 0x06]), mem(0xa7a6a5a4a3a2a1a0n));
    assert.deepEqual(await ev([0x0a, 0x02, 0x10, 0x94, 0x02]), mem(0xa3a2n));
  });
  it('stack_value and implicit_value are values, not addresses', async () => {
    assert.deepEqual(await ev([0x70, 0x05, 0x9f]), { kind: 'value', value: 0x15n });
    assert.deepEqual(await ev([0x9e, 0x02, 0x34, 0x12]), { kind: 'implicit', bytes: Uint8Array.from([0x34, 0x12]) });
  });
  it('pieces: register + memory + optimized-out + bit pieces', async () => {
    const r = await ev([0x50, 0x93, 0x04, 0x91, 0x00, 0x93, 0x04, 0x93, 0x08, 0x35, 0x9f, 0x9d, 0x03, 0x00]);
    assert.deepEqual(r, {
      kind: 'pieces', pieces: [
        { location: { kind: 'register', regno: 0 }, sizeBits: 32, offsetBits: 0 },
        { location: mem(0x8000n), sizeBits: 32, offsetBits: 0 },
        { location: { kind: 'optimizedOut', reason: 'piece has no location' }, sizeBits: 64, offsetBits: 0 },
        { location: { kind: 'value', value: 5n }, sizeBits: 3, offsetBits: 0 },
      ],
    });
  });
  it('branches: bra/skip implement a conditional', async () => {
    // lit1 bra +1 ; lit7 ; lit9 → stack: 9 (lit7 skipped)
    assert.deepEqual(await ev([0x31, 0x28, 0x01, 0x00, 0x37, 0x39]), mem(9n));
    assert.deepEqual(await ev([0x30, 0x28, 0x01, 0x00, 0x37]), mem(7n));
    // comparisons are signed: -1 < 1
    assert.deepEqual(await ev([0x11, 0x7f, 0x31, 0x2d]), mem(1n));
  });
  it('an infinite loop is cut off with a typed error', async () => {
    await assert.rejects(ev([0x2f, 0xfd, 0xff]), ParseError); // skip -3 → itself
  });
  it('missing registers, memory or entry values give optimized out, not an error', async () => {
    assert.equal((await ev([0x73, 0x00])).kind, 'optimizedOut');
    assert.equal((await ev([0x0a, 0x00, 0x20, 0x06])).kind, 'optimizedOut');
    assert.equal((await ev([0xa3, 0x01, 0x55, 0x9f])).kind, 'optimizedOut');
    assert.equal((await ev([])).kind, 'optimizedOut');
    const withEntry: ExprContext = { ...ctx, entryValue: async e => (e.length === 1 && e[0] === 0x55 ? 42n : undefined) };
    assert.deepEqual(await ev([0xa3, 0x01, 0x55, 0x9f], withEntry), { kind: 'value', value: 42n });
    assert.deepEqual(await ev([0xf3, 0x01, 0x55, 0x9f], withEntry), { kind: 'value', value: 42n });
  });
  it('typed stack ops use the base type size', async () => {
    const t: ExprContext = { ...ctx, baseType: off => (off === 0x30n ? { byteSize: 1, signed: true } : undefined) };
    // const_type <0x30> 1 byte 0xff → -1 ; convert to generic (0) ; stack_value
    assert.deepEqual(await ev([0xa4, 0x30, 0x01, 0xff, 0xa8, 0x00, 0x9f], t), { kind: 'value', value: (1n << 64n) - 1n });
  });
  it('malformed input gives ParseError naming the offset', async () => {
    await assert.rejects(ev([0x22]), (e: unknown) => e instanceof ParseError && /underflow/.test(e.message));
    await assert.rejects(ev([0x03, 0x01]), ParseError);
    await assert.rejects(ev([0xff]), (e: unknown) => e instanceof ParseError && /0x0/.test(e.message));
    await assert.rejects(ev([0x50, 0x31]), ParseError);
  });
  it('DW_OP_call2/call4 run the callee DIE expression on the same stack; TLS and xderef are unavailable', async () => {
    const c: ExprContext = { ...ctx, callExpression: off => (off === 0x40n ? Uint8Array.from([0x23, 0x08]) : undefined) };
    // lit16 call2 0x40 (plus_uconst 8) → 24
    assert.deepEqual(await ev([0x40, 0x98, 0x40, 0x00], c), mem(24n));
    assert.deepEqual(await ev([0x40, 0x99, 0x40, 0, 0, 0], c), mem(24n));
    // a callee without a location has no effect
    assert.deepEqual(await ev([0x40, 0x98, 0x41, 0x00], c), mem(16n));
    assert.equal((await ev([0x30, 0x9b])).kind, 'optimizedOut');
    assert.equal((await ev([0x30, 0x30, 0x18])).kind, 'optimizedOut');
    const tls: ExprContext = { ...ctx, tlsAddress: async o => 0x7000n + o };
    assert.deepEqual(await ev([0x38, 0xe0], tls), mem(0x7008n));
  });
  it('evaluateValue returns the top of stack for CFI-style expressions', async () => {
    assert.equal(await evaluateValue(Uint8Array.from([0x77, 0x08]), ctx), 0x7ffd0008n);
    assert.equal(await evaluateValue(Uint8Array.from([0x23, 0x10]), ctx, { initialStack: [0x100n] }), 0x110n);
  });
  it('random bytes never crash with anything but ParseError', async () => {
    await fc.assert(fc.asyncProperty(fc.uint8Array({ maxLength: 40 }), async bytes => {
      try {
        await evaluateLocation(bytes, ctx, { maxSteps: 2000 });
      } catch (e) {
        if (!(e instanceof ParseError) && !(e instanceof Error && (e as { kind?: string }).kind === 'protocol')) throw e;
      }
    }), { numRuns: 3000 });
  });
});
