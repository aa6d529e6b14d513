// The session's stack builder (adapter/session/inspect/engineStack.ts: per-pc memos over the
// symbols' unwinder) against the symbols' own buildStack and gdb on the C fixture: same frames,
// names, inlined calls, CFAs and source lines, and the same again from the memos on a second stop.
import assert from 'node:assert/strict';
import { SymbolFile } from '../../../adapter/symbols';
import { buildStack, cfiSectionsOf } from '../../../adapter/symbols/unwind/stack';
import { X86_64_REG_NAMES } from '../../../adapter/symbols/unwind';
import { engineFrames, FrameFacts, memoizeRows } from '../../../adapter/session/inspect/engineStack';
import { Fixture, markerLine, memoryReader } from '../symbols-values/oracle';

describe('session stack builder vs buildStack and gdb (C fixture)', function () {
  this.timeout(180_000);
  const fx = new Fixture();
  after(() => fx.cleanup());

  for (const opt of ['-O0', '-O2']) {
    it(`${opt}: frames at #BP:scale and #BP:leaf, twice (memoized)`, async () => {
      const exe = fx.compile('frames.c', opt, `engine${opt}`);
      const sf = SymbolFile.open(exe);
      const cfi = cfiSectionsOf(sf.elf);
      memoizeRows(cfi);
      const build = engineFrames(sf, cfi, () => undefined, new FrameFacts(sf));
      for (const stop of ['scale', 'leaf']) {
        const line = markerLine('frames.c', stop);
        const dump = fx.gdbDump(exe, 'frames.c', line);
        const named = new Map<string, bigint>();
        for (const [num, v] of dump.regs) if (num <= 16) named.set(X86_64_REG_NAMES[num], v);
        const read = memoryReader(dump);
        const want = await buildStack({ dwarf: sf.dwarf, cfi: cfiSectionsOf(sf.elf), registers: dump.regs, readMemory: read, symbolAt: () => undefined });
        for (const round of [1, 2]) {
          const got = await build(named, read);
          const what = `${stop}, round ${round}`;
          assert.deepEqual(got.map(f => [f.pc, f.lookupPc, f.inlined, f.cfa]), want.frames.map(f => [f.pc, f.lookupPc, f.inlined, f.machine.cfa]), what);
          // Names from DWARF as gdb's bt shows them (frames without DWARF have no scope here).
          assert.deepEqual(got.map(f => (f.scope ? f.function : '-')), dump.frames.map((g, i) => (want.frames[i]?.scope ? g.name : '-')), what);
          assert.deepEqual(got.map(f => f.state?.cfa), want.frames.map(f => f.state.cfa), what);
          // Inlined frames share their machine frame's registers (step out relies on it).
          got.forEach((f, i) => { if (i > 0 && f.inlineDepth) assert.equal(f.regs, got[i - 1].regs, what); });
          // At -O2 the stop's pc may belong to the marker's next line (as gdb's `frame` says).
          if (opt === '-O0') assert.equal(got[0].line, line, what);
          else assert.ok(got[0].line !== undefined && got[0].line >= line && got[0].line <= line + 2, `${what}: line ${got[0].line}`);
          assert.match(got[0].file ?? '', /frames\.c$/, what);
        }
      }
    });
  }
});
