// Exo-OS under QEMU with gdb as the oracle: at kernel breakpoints (a probe function, the timer
// interrupt handler, an AP's entry) our unwinder (CFI of the kernel's .eh_frame, frame pointers
// as fallback) gives gdb's frames, and our args/locals/statics give gdb's text.
import assert from 'node:assert/strict';
import { FileSource } from '../../../adapter/symbols/bytesource';
import { Dwarf, dwarfSectionsOf } from '../../../adapter/symbols/dwarf';
import { ElfFile } from '../../../adapter/symbols/elf';
import { buildStack, cfiSectionsOf } from '../../../adapter/symbols/unwind/stack';
import { GlobalIndex, readGlobal } from '../../../adapter/symbols/values/globals';
import { describeFrame, printVariable } from '../../../adapter/symbols/values/variables';
import { marker } from '../../unit/kernel/markers';
import { kernelArtifact } from '../../unit/kernel/paths';
import { freePort, startQemu } from '../kernel/qemu';
import { Fixture, memoryReader } from './oracle';

const STATICS = ['exo::arch::x86_64::smp::EXO_CPU_COUNT', 'exo::arch::x86_64::smp::EXO_CPUS', 'exo::log::EXO_LOG_HEAD',
  'exo::EXO_PROBE_COUNTER', 'exo::KERNEL_READY', 'exo::log::EXO_LOG', 'exo::arch::x86_64::percpu::PERCPU',
  'exo::arch::x86_64::gdt::TSSS', 'exo::arch::x86_64::idt::IDT', 'exo::arch::x86_64::pvh::CMDLINE', 'exo::serial::SERIAL',
  'exo::memory::paging::KERNEL_CR3', 'exo::arch::x86_64::smp::ONLINE_MASK'];

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
      const readMemory = memoryReader(dump);
      const symtab = elf.symbols();
      const symbolAt = (a: bigint) => { const s = symtab.at(a); return s && (s.symbol.type === 'object' || s.symbol.type === 'func') ? { name: s.symbol.name, offset: s.offset } : undefined; };

      const stack = await buildStack({ dwarf, cfi: cfiSectionsOf(elf), registers: dump.regs, readMemory, symbolAt });
      const machine = stack.frames.filter((f, i, all) => i === 0 || all[i - 1].machine !== f.machine).map(f => f.machine);
      const gdbFrames = dump.frames.filter(f => !f.inline);
      assert.ok(gdbFrames.length >= 2, `gdb shows ${gdbFrames.length} frames`);
      assert.deepEqual(machine.map(f => [f.pc, f.registers.get(7)]), gdbFrames.map(f => [f.pc, f.sp]), `stop reason ${stack.stopReason} ${stack.detail ?? ''}`);
      // virtual frames (inlined calls included) in gdb's order and with gdb's names
      assert.deepEqual(stack.frames.map(f => f.function ?? '??'), dump.frames.map(f => f.name ?? '??'));

      const ours: [string, string, string][] = [];
      for (const f of stack.frames) {
        if (!f.scope || f.function?.split('::').pop()?.startsWith('_')) continue; // as dump.py filters
        const d = await describeFrame(f.scope, f.state);
        ours.push([f.scope.name, d.args, d.locals]);
      }
      const theirs = dump.frames.filter(f => f.locals !== undefined).map(f => [f.name?.split('::').pop() ?? '', f.args, f.locals]);
      assert.deepEqual(ours.slice(0, theirs.length), theirs);

      const states = stack.frames.map(f => f.state);
      const index = new GlobalIndex(dwarf);
      for (const g of STATICS) {
        const v = await readGlobal(index, g, states[0]);
        assert.equal(v ? await printVariable(v, states[0]) : '<no symbol>', dump.globals[g], g);
      }
    });
  }
});
