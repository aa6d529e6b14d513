// Locals, arguments and globals vs gdb: the C fixture (gcc -O0 and -O2, DWARF 5) stopped at
// #BP:leaf; our `info locals` / `info args` text and global values must equal gdb's.
import assert from 'node:assert/strict';
import { Dwarf, dwarfSectionsOf } from '../../../adapter/symbols/dwarf';
import { FileSource } from '../../../adapter/symbols/bytesource';
import { ElfFile } from '../../../adapter/symbols/elf';
import { CfiSection } from '../../../adapter/symbols/cfi/section';
import { frameCfa, unwind } from '../../../adapter/symbols/unwind/unwinder';
import { GlobalIndex, readGlobal } from '../../../adapter/symbols/values/globals';
import { scopesAt } from '../../../adapter/symbols/values/scope';
import { describeFrame, printVariable, type FrameState } from '../../../adapter/symbols/values/variables';
import { Fixture, markerLine, memoryReader } from './oracle';

const GLOBALS = ['origin', 'counter', 'nodes', 'favourite', 'ratio', 'fraction', 'greeting', 'packed', 'num', 'ready',
  'letter', 'matrix', 'callback', 'small', 'shorty', 'big', 'ubig', 'asm_counter'];

describe('values vs gdb (C fixture)', function () {
  this.timeout(180_000);
  const fx = new Fixture();
  after(() => fx.cleanup());

  // -gdwarf-4: location lists in .debug_loc instead of .debug_loclists
  for (const opt of ['-O0', '-O2', '-O2 -gdwarf-4']) {
    describe(opt, () => {
      let st: FrameState;
      let dwarf: Dwarf;
      let dump: ReturnType<Fixture['gdbDump']>;
      let cfi: CfiSection[];
      let elf: ElfFile;
      before(async () => {
        const exe = fx.compile('frames.c', opt, `values${opt.replace(/ /g, '')}`);
        dump = fx.gdbDump(exe, 'frames.c', markerLine('frames.c', 'leaf'), GLOBALS);
        elf = new ElfFile(new FileSource(exe));
        dwarf = new Dwarf(dwarfSectionsOf(elf));
        const eh = elf.section('.eh_frame')!;
        cfi = [new CfiSection({ kind: 'eh_frame', bytes: eh.data(), address: eh.header.addr })];
        const readMemory = memoryReader(dump);
        const symtab = elf.symbols();
        st = {
          pc: dump.regs.get(16)!, innermost: true, registers: dump.regs, readMemory,
          cfa: await frameCfa(dump.regs, cfi, readMemory),
          symbolAt: a => { const s = symtab.at(a); return s && (s.symbol.type === 'object' || s.symbol.type === 'func') ? { name: s.symbol.name, offset: s.offset } : undefined; },
        };
      });

      it('info args and info locals of frame 0 match gdb', async () => {
        const frames = scopesAt(dwarf, st.pc);
        assert.equal(frames[0]?.name, 'leaf');
        const ours = await describeFrame(frames[0], st);
        assert.equal(ours.args, dump.args);
        assert.equal(ours.locals, dump.locals);
      });

      it('info args and info locals of every frame up to main match gdb (unwound registers)', async () => {
        const unwound = await unwind({ registers: dump.regs, readMemory: st.readMemory, cfi });
        const ours: { name: string; args: string; locals: string }[] = [];
        const states: FrameState[] = [];
        for (const [i, f] of unwound.frames.entries()) {
          const innermost = i === 0;
          states.push({ ...st, pc: f.pc, innermost, registers: f.registers, cfa: await frameCfa(f.registers, cfi, st.readMemory, innermost) });
        }
        states.forEach((s, i) => { s.caller = states[i + 1]; });
        for (const fs of states) {
          for (const vf of scopesAt(dwarf, fs.innermost ? fs.pc : fs.pc - 1n)) ours.push({ name: vf.name, ...(await describeFrame(vf, fs)) });
        }
        const theirs = dump.frames.filter(f => f.locals !== undefined);
        assert.ok(theirs.length >= 4);
        assert.deepEqual(ours.slice(0, theirs.length).map(f => [f.name, f.args, f.locals]), theirs.map(f => [f.name, f.args, f.locals]));
      });

      it('globals match gdb print', async () => {
        const index = new GlobalIndex(dwarf, elf.symbols());
        for (const g of GLOBALS) {
          const v = await readGlobal(index, g, st);
          const text = v ? await printVariable(v, st) : '<no symbol>';
          assert.equal(text, dump.globals[g], `global ${g}`);
        }
      });
    });
  }
});
