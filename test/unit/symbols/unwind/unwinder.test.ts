// Unwinder stop conditions on synthetic stacks: outermost (.cfi_undefined rip), loops, depth,
// unreadable memory, zero return address, frame-pointer chains.
import assert from 'node:assert/strict';
import { CfiSection } from '../../../../adapter/symbols/cfi/section';
import { RegisterSet, unwind } from '../../../../adapter/symbols/unwind/unwinder';
import { cstr, le, record, sleb, uleb } from '../cfi/asm';

/** .debug_frame with one CIE (CFA=rsp+8, RA at CFA-8) and FDEs [low, low+0x100) each with extra instructions. */
function frameSection(fdes: { low: bigint; instrs: number[] }[]): CfiSection {
  const cie = record([...le(0xffffffff, 4), 4, ...cstr(''), 8, 0, ...uleb(1), ...sleb(-8), ...uleb(16), 0x0c, 7, 8, 0x90, 1]);
  const out = [...cie];
  for (const f of fdes) out.push(...record([...le(0, 4), ...le(f.low, 8), ...le(0x100, 8), ...f.instrs]));
  return new CfiSection({ kind: 'debug_frame', bytes: Uint8Array.from(out) });
}

class Mem {
  private readonly bytes = new Map<bigint, number>();
  put64(addr: bigint, v: bigint): this { le(v, 8).forEach((b, i) => this.bytes.set(addr + BigInt(i), b)); return this; }
  reader = async (addr: bigint, len: number): Promise<Uint8Array> => {
    const out: number[] = [];
    for (let i = 0; i < len; i++) { const b = this.bytes.get(addr + BigInt(i)); if (b === undefined) break; out.push(b); }
    return Uint8Array.from(out);
  };
}

const regs = (rip: bigint, rsp: bigint, rbp = 0n): RegisterSet => new Map([[16, rip], [7, rsp], [6, rbp]]);

describe('unwinder', () => {
  // f at 0x1000 (frameless: CFA = rsp+8), g at 0x2000, start at 0x3000 marks RA undefined.
  const cfi = frameSection([
    { low: 0x1000n, instrs: [] },
    { low: 0x2000n, instrs: [] },
    { low: 0x3000n, instrs: [0x07, 16] },
  ]);

  it('walks CFI frames and stops at .cfi_undefined rip', async () => {
    const m = new Mem().put64(0x8000n, 0x2010n).put64(0x8008n, 0x3005n);
    const r = await unwind({ registers: regs(0x1010n, 0x8000n), readMemory: m.reader, cfi: [cfi] });
    assert.deepEqual(r.frames.map(f => f.pc), [0x1010n, 0x2010n, 0x3005n]);
    assert.deepEqual(r.frames.map(f => f.registers.get(7)), [0x8000n, 0x8008n, 0x8010n]);
    assert.equal(r.stopReason, 'outermost');
  });

  it('detects a loop (same pc and CFA twice)', async () => {
    // g's frame at 0x8000 returns into g with the same stack: a corrupt stack that repeats
    const loop = frameSection([{ low: 0x2000n, instrs: [0x0c, 7, 0] }]); // CFA = rsp (no push)
    const m = new Mem().put64(0x7ff8n, 0x2011n);
    const r = await unwind({ registers: regs(0x2010n, 0x8000n), readMemory: m.reader, cfi: [loop] });
    assert.equal(r.stopReason, 'loop');
    assert.ok(r.frames.length <= 3);
  });

  it('stops at the depth bound', async () => {
    // A long chain of frames returning into f: each frame's RA is f+0x10, stack grows by 8.
    const m = new Mem();
    for (let i = 0n; i < 100n; i++) m.put64(0x8000n + i * 8n, 0x1010n);
    const r = await unwind({ registers: regs(0x1010n, 0x8000n), readMemory: m.reader, cfi: [cfi], maxDepth: 20 });
    assert.equal(r.stopReason, 'depth');
    assert.equal(r.frames.length, 20);
  });

  it('reports unreadable memory and a zero return address', async () => {
    const r = await unwind({ registers: regs(0x1010n, 0x8000n), readMemory: new Mem().reader, cfi: [cfi] });
    assert.equal(r.stopReason, 'memory');
    assert.equal(r.frames.length, 1);
    const z = await unwind({ registers: regs(0x1010n, 0x8000n), readMemory: new Mem().put64(0x8000n, 0n).reader, cfi: [cfi] });
    assert.equal(z.stopReason, 'zeroPc');
  });

  it('falls back to rbp chains where no CFI covers the pc, and stops when rbp does not grow', async () => {
    const m = new Mem()
      .put64(0x9000n, 0x9100n).put64(0x9008n, 0x5005n)   // frame 0: rbp=0x9000 → caller rbp 0x9100, ra 0x5005
      .put64(0x9100n, 0x9050n).put64(0x9108n, 0x6006n);  // frame 1: saved rbp goes down → end after this
    const r = await unwind({ registers: regs(0x4000n, 0x8ff0n, 0x9000n), readMemory: m.reader, cfi: [cfi] });
    assert.deepEqual(r.frames.map(f => f.pc), [0x4000n, 0x5005n, 0x6006n]);
    assert.deepEqual(r.frames.map(f => f.method), ['initial', 'framePointer', 'framePointer']);
    assert.equal(r.stopReason, 'noUnwindInfo');
    const noFp = await unwind({ registers: regs(0x4000n, 0x8ff0n, 0x9000n), readMemory: m.reader, cfi: [cfi], framePointerFallback: false });
    assert.equal(noFp.frames.length, 1);
    assert.equal(noFp.stopReason, 'noUnwindInfo');
  });

  it('without CFI, a function that never pushes rbp is frameless (gdb prologue analysis): return address at [rsp]', async () => {
    // leaf at 0x4000 without CFI and without `push %rbp` (like memset in assembly), called from
    // 0x5005 whose own frame keeps rbp = 0x9000 (→ ra 0x6006). The rbp chain would skip 0x5005.
    const m = new Mem()
      .put64(0x8ff0n, 0x5005n)
      .put64(0x9000n, 0x9100n).put64(0x9008n, 0x6006n);
    const code = new Map<bigint, number[]>([[0x4000n, [0x49, 0x89, 0xf9, 0x89]], [0x7000n, [0x55, 0x48, 0x89, 0xe5]]]);
    const read = async (a: bigint, n: number) => (code.has(a) ? Uint8Array.from(code.get(a)!.slice(0, n)) : m.reader(a, n));
    const functionStart = (pc: bigint) => (pc >= 0x4000n && pc < 0x4100n ? 0x4000n : pc >= 0x7000n && pc < 0x7100n ? 0x7000n
      : pc >= 0x5000n && pc < 0x5100n ? 0x5000n : undefined);
    const r = await unwind({ registers: regs(0x400an, 0x8ff0n, 0x9000n), readMemory: read, cfi: [cfi], functionStart, maxDepth: 3 });
    assert.deepEqual(r.frames.slice(0, 3).map(f => f.pc), [0x400an, 0x5005n, 0x6006n]);
    assert.equal(r.frames[1].cfa, 0x8ff8n);
    // A frame-pointer function stopped right after `push %rbp`: saved rbp at [rsp], ra at [rsp+8].
    const m2 = new Mem().put64(0x8ff0n, 0x9000n).put64(0x8ff8n, 0x5005n);
    const read2 = async (a: bigint, n: number) => (code.has(a) ? Uint8Array.from(code.get(a)!.slice(0, n)) : m2.reader(a, n));
    const r2 = await unwind({ registers: regs(0x7001n, 0x8ff0n, 0x1234n), readMemory: read2, cfi: [cfi], functionStart, maxDepth: 2 });
    assert.equal(r2.frames[1].pc, 0x5005n);
    assert.equal(r2.frames[1].registers.get(6), 0x9000n);
    // A return address outside known functions is not trusted: the rbp chain decides.
    const junk = new Mem().put64(0x8ff0n, 0xdead0n).put64(0x9000n, 0x9100n).put64(0x9008n, 0x6006n);
    const read3 = async (a: bigint, n: number) => (code.has(a) ? Uint8Array.from(code.get(a)!.slice(0, n)) : junk.reader(a, n));
    const r4 = await unwind({ registers: regs(0x400an, 0x8ff0n, 0x9000n), readMemory: read3, cfi: [cfi], functionStart, maxDepth: 2 });
    assert.equal(r4.frames[1].pc, 0x6006n);
    // Without the hook the old rbp chain is used (and here skips the caller).
    const r3 = await unwind({ registers: regs(0x400an, 0x8ff0n, 0x9000n), readMemory: read, cfi: [cfi], maxDepth: 2 });
    assert.equal(r3.frames[1].pc, 0x6006n);
  });

  it('a bad FDE ends the walk with badCfi instead of throwing', async () => {
    const bad = frameSection([{ low: 0x1000n, instrs: [0x3f] }]);
    const r = await unwind({ registers: regs(0x1010n, 0x8000n), readMemory: new Mem().reader, cfi: [bad] });
    assert.equal(r.stopReason, 'badCfi');
    assert.match(r.detail ?? '', /\.debug_frame at offset/);
  });
});
