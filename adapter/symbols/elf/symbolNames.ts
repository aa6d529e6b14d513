// Names of the defined function and object symbols, decoded in bounded steps: a vmlinux has
// ~130,000 symbols, and a caller that must stay responsive (the Debug Console's completions)
// runs one step per event-loop turn instead of decoding them all at once.
import type { ElfFile } from './elffile';
import { SHT_DYNSYM, SHT_SYMTAB } from './types';

export interface SymbolNames {
  readonly functions: string[];
  readonly objects: string[];
}

const STT_OBJECT = 1, STT_FUNC = 2;
const RECORD = 24;

/**
 * Yields after every `perStep` records (the count done so far) and returns the raw (mangled)
 * names of the defined STT_FUNC and STT_OBJECT symbols, in table order, duplicates included.
 * Reads `.symtab` (or `.dynsym` when stripped) as ElfFile.symbols does.
 */
export function* symbolNameSteps(elf: ElfFile, perStep = 8192): Generator<number, SymbolNames> {
  const out: SymbolNames = { functions: [], objects: [] };
  const sh = elf.sectionHeaders.find(s => s.type === SHT_SYMTAB) ?? elf.sectionHeaders.find(s => s.type === SHT_DYNSYM);
  const sec = sh && elf.sectionAt(sh.index);
  const strSec = sh && elf.sectionAt(sh.link);
  if (!sec || !strSec) return out;
  const strtab = strSec.data();
  const text = Buffer.from(strtab.buffer, strtab.byteOffset, strtab.byteLength);
  const count = Math.max(0, Math.floor(sec.size / RECORD) - 1);
  yield 0; // the string table is read: a step of its own
  for (let first = 0; first < count; first += perStep) {
    const n = Math.min(perStep, count - first);
    const b = sec.transient(RECORD + first * RECORD, n * RECORD);
    const dv = new DataView(b.buffer, b.byteOffset, b.byteLength);
    for (let k = 0; k < n; k++) {
      const o = k * RECORD;
      const type = b[o + 4] & 0xf;
      if ((type !== STT_FUNC && type !== STT_OBJECT) || dv.getUint16(o + 6, true) === 0) continue;
      const at = dv.getUint32(o, true);
      if (at === 0 || at >= text.length) continue;
      const end = text.indexOf(0, at);
      const name = text.toString('utf8', at, end < 0 ? text.length : end);
      (type === STT_FUNC ? out.functions : out.objects).push(name);
    }
    yield first + n;
  }
  return out;
}
