// Exo-OS under QEMU with gdb as the oracle: at kernel breakpoints (a probe function, the timer
// interrupt handler, an AP's entry) our unwinder (CFI of the kernel's .eh_frame, frame pointers
// as fallback) gives gdb's frames, and our args/locals/statics give gdb's text.
import assert from 'node:assert/strict';
import { FileSource } from '../../../adapter/symbols/bytesource';
import { CfiSection } from '../../../adapter/symbols/cfi/section';
import { Dwarf, dwarfSectionsOf } from '../../../adapter/symbols/dwarf';
import { ElfFile } from '../../../adapter/symbols/elf';
import { frameCfa, unwind } from '../../../adapter/symbols/unwind/unwinder';
import { GlobalIndex, readGlobal } from '../../../adapter/symbols/values/globals';
import { scopesAt } from '../../../adapter/symbols/values/scope';
import { describeFrame, printVariable, type FrameState } from '../../../adapter/symbols/values/variables';
import { marker } from '../../unit/kernel/markers';
import { kernelArtifact } from '../../unit/kernel/paths';
import { freePort, startQemu } from '../kernel/qemu';
import { Fixture, memoryReader } from './oracle';

const STATICS = ['exo::arch::x86_64::smp::EXO_CPU_COUNT', 'exo::arch::x86_64::smp::EXO_CPUS', 'exo::log::EXO_LOG_HEAD',
  'exo::EXO_PROBE_COUNTER', 'exo::KERNEL_READY'];

describe('Exo-OS frames and values vs gdb', function () {
  this.timeout(240_000);
  const fx = new Fixture();
  after(() => fx.cleanup());

  for (const stop of ['probe_entry', 'timer_tick', 'ap_main']) {
    it(`at #BP:${stop}: frames, args/locals of each frame and statics match gdb`, async () => {
      const exe = kernelArtifact('exo.elf');
      const elf = new ElfFile(new FileSource(exe));
      // memory gdb dumps for us: every allocated writable or read-only data section (stacks live in .bss)
      const regions = elf.sectionHeaders
        .filter(s => (s.flags & 2n) !== 0n && (s.flags & 4n) === 0n && s.size > 0n && s.size < 16n << 20n)
        .map(s => ({ start: s.addr, length: Number(s.size) }));
      const port = await freePort();
      const qemu = startQemu({ elf: exe, smp: 4, extraArgs: ['-S', '-gdb', `tcp:127.0.0.1:${port}`] });
      let dump;
      try {
        const m = marker(stop);
        dump = await fx.gdbDumpRemote(exe, port, m.file, m.line, STATICS, regions);
      } finally {
        await qemu.stop();
      }
      const dwarf = new Dwarf(dwarfSectionsOf(elf));
      const eh = elf.section('.eh_frame')!;
      const cfi = [new CfiSection({ kind: 'eh_frame', bytes: eh.data(), address: eh.header.addr })];
      const readMemory = memoryReader(dump);
      const symtab = elf.symbols();
      const symbolAt = (a: bigint) => { const s = symtab.at(a); return s && (s.symbol.type === 'object' || s.symbol.type === 'func') ? { name: s.symbol.name, offset: s.offset } : undefined; };

      const res = await unwind({ registers: dump.regs, readMemory, cfi });
      const gdbFrames = dump.frames.filter(f => !f.inline);
      assert.ok(gdbFrames.length >= 2, `gdb shows ${gdbFrames.length} frames`);
      assert.deepEqual(res.frames.map(f => [f.pc, f.registers.get(7)]), gdbFrames.map(f => [f.pc, f.sp]), `stop reason ${res.stopReason} ${res.detail ?? ''}`);

      const states: FrameState[] = [];
      for (const [i, f] of res.frames.entries()) {
        const innermost = i === 0;
        states.push({ pc: f.pc, innermost, registers: f.registers, readMemory, symbolAt, cfa: await frameCfa(f.registers, cfi, readMemory, innermost) });
      }
      states.forEach((s, i) => { s.caller = states[i + 1]; });
      const ours: [string, string, string][] = [];
      for (const st of states) {
        for (const vf of scopesAt(dwarf, st.innermost ? st.pc : st.pc - 1n)) ours.push([vf.name, ...Object.values(await describeFrame(vf, st))] as [string, string, string]);
      }
      const theirs = dump.frames.filter(f => f.locals !== undefined).map(f => [f.name?.split('::').pop() ?? '', f.args, f.locals]);
      assert.deepEqual(ours.slice(0, theirs.length), theirs);

      const index = new GlobalIndex(dwarf);
      for (const g of STATICS) {
        const v = await readGlobal(index, g, states[0]);
        assert.equal(v ? await printVariable(v, states[0]) : '<no symbol>', dump.globals[g], g);
      }
    });
  }
});
