// Unwinder vs gdb: the C fixture (gcc -O0 and -O2, static) stopped in `leaf`; our frames (pc, sp)
// from .eh_frame must equal gdb's `bt` (past main, down to _start's .cfi_undefined rip).
import assert from 'node:assert/strict';
import { CfiSection } from '../../../adapter/symbols/cfi/section';
import { unwind, X86_64 } from '../../../adapter/symbols/unwind/unwinder';
import { Fixture, functionNamer, markerLine, memoryReader, sectionOf } from './oracle';

describe('unwinder vs gdb (C fixture)', function () {
  this.timeout(180_000);
  const fx = new Fixture();
  after(() => fx.cleanup());

  for (const opt of ['-O0', '-O2']) {
    it(`frames at #BP:leaf match gdb's backtrace at ${opt}`, async () => {
      const exe = fx.compile('frames.c', opt, `frames${opt}`);
      const dump = fx.gdbDump(exe, 'frames.c', markerLine('frames.c', 'leaf'));
      const eh = sectionOf(exe, '.eh_frame');
      assert.ok(eh, 'fixture has .eh_frame');
      const cfi = new CfiSection({ kind: 'eh_frame', bytes: eh.bytes, address: eh.address });
      const res = await unwind({ registers: dump.regs, readMemory: memoryReader(dump), cfi: [cfi], framePointerFallback: false });

      const gdbFrames = dump.frames.filter(f => !f.inline);
      const name = functionNamer(exe);
      const ours = res.frames.map((f, i) => ({ pc: f.pc, sp: f.registers.get(X86_64.rsp), name: name(i === 0 ? f.pc : f.pc - 1n) }));
      const theirs = gdbFrames.map(f => ({ pc: f.pc, sp: f.sp, name: f.name }));
      assert.ok(theirs.length >= 5, `gdb shows ${theirs.length} frames`);
      assert.deepEqual(ours.map(f => [f.pc, f.sp]), theirs.map(f => [f.pc, f.sp]));
      // gdb's names (from DWARF) agree with the symbols of our pcs
      assert.deepEqual(ours.map(f => f.name), theirs.map(f => f.name));
      assert.equal(res.stopReason, 'outermost', `stopped: ${res.stopReason} ${res.detail ?? ''}`);
      assert.equal(theirs[theirs.length - 1].name, '_start');
    });
  }

  it('frame-pointer fallback alone walks the -O0 chain from leaf to main', async () => {
    const exe = fx.compile('frames.c', '-O0', 'frames-fp');
    const dump = fx.gdbDump(exe, 'frames.c', markerLine('frames.c', 'leaf'));
    const res = await unwind({ registers: dump.regs, readMemory: memoryReader(dump), cfi: [] });
    const gdbPcs = dump.frames.map(f => f.pc);
    const mainIdx = dump.frames.findIndex(f => f.name === 'main');
    assert.ok(mainIdx > 0);
    // -O0 keeps rbp chains in our code: every frame up to main agrees with gdb
    assert.deepEqual(res.frames.slice(0, mainIdx + 1).map(f => f.pc), gdbPcs.slice(0, mainIdx + 1));
    assert.ok(res.frames.every(f => f.method !== 'cfi'));
  });
});
