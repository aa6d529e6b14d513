// buildStack vs gdb on the C fixture: every frame gdb shows (inlined calls included, e.g. the
// static inline `scale` at -O2) with its name, args and locals, at two stops and two opt levels.
import assert from 'node:assert/strict';
import { FileSource } from '../../../adapter/symbols/bytesource';
import { Dwarf, dwarfSectionsOf } from '../../../adapter/symbols/dwarf';
import { ElfFile } from '../../../adapter/symbols/elf';
import { buildStack, cfiSectionsOf } from '../../../adapter/symbols/unwind/stack';
import { describeFrame } from '../../../adapter/symbols/values/variables';
import { Fixture, markerLine, memoryReader } from './oracle';

describe('stack (inlined frames) vs gdb (C fixture)', function () {
  this.timeout(180_000);
  const fx = new Fixture();
  after(() => fx.cleanup());

  for (const opt of ['-O0', '-O2']) {
    for (const stop of ['scale', 'leaf']) {
      it(`${opt} at #BP:${stop}: frame names, args and locals as gdb's bt/info args/info locals`, async () => {
        const exe = fx.compile('frames.c', opt, `stack${opt}`);
        const dump = fx.gdbDump(exe, 'frames.c', markerLine('frames.c', stop));
        const elf = new ElfFile(new FileSource(exe));
        const symtab = elf.symbols();
        const stack = await buildStack({
          dwarf: new Dwarf(dwarfSectionsOf(elf)), cfi: cfiSectionsOf(elf), registers: dump.regs, readMemory: memoryReader(dump),
          // gdb names data pointers by object/function symbols only (not _end & co.)
          symbolAt: a => { const s = symtab.at(a); return s && (s.symbol.type === 'object' || s.symbol.type === 'func') ? { name: s.symbol.name, offset: s.offset } : undefined; },
        });
        assert.equal(stack.stopReason, 'outermost');
        // names from DWARF must be gdb's; frames without DWARF (static glibc's asm) are named from
        // .symtab, where aliases (__libc_start_main / _impl) are the ELF reader's choice
        assert.deepEqual(stack.frames.map(f => [f.scope ? f.function : '-', f.inlined, f.pc]),
          dump.frames.map((g, i) => [stack.frames[i]?.scope ? g.name : '-', g.inline, g.pc]));
        for (const [i, f] of stack.frames.entries()) {
          const g = dump.frames[i];
          if (g.locals === undefined || !f.scope) continue;
          assert.deepEqual(await describeFrame(f.scope, f.state), { args: g.args, locals: g.locals }, `frame ${i} ${f.function}`);
        }
      });
    }
  }
});
