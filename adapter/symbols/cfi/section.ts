// One CFI section (.debug_frame or .eh_frame): indexes its FDEs by address on first lookup
// (lazy), caches CIEs, and remembers a parse failure instead of retrying it.
import { ParseError } from '../../common/cursor';
import { PointerBases } from './encoding';
import { Cie, CfiKind, Fde, parseCie, parseFde, readRecordHeader } from './entries';
import { rowForPc, UnwindRow } from './rows';

export interface CfiSectionInput {
  kind: CfiKind;
  bytes: Uint8Array;
  /** Virtual address of the section (needed for .eh_frame's pcrel pointers). */
  address?: bigint;
  addressSize?: number;
  textBase?: bigint;
  dataBase?: bigint;
  readPointer?(address: bigint): bigint | undefined;
}

interface IndexEntry { low: bigint; high: bigint; offset: number }

export class CfiSection {
  readonly kind: CfiKind;
  readonly name: string;
  private readonly bytes: Uint8Array;
  private readonly bases: PointerBases;
  private readonly addressSize: number;
  private readonly cies = new Map<number, Cie | ParseError>();
  private index?: IndexEntry[];
  /** Records that failed to parse while indexing (the rest of the section is still usable). */
  readonly problems: ParseError[] = [];

  constructor(input: CfiSectionInput) {
    this.kind = input.kind;
    this.name = input.kind === 'eh_frame' ? '.eh_frame' : '.debug_frame';
    this.bytes = input.bytes;
    this.addressSize = input.addressSize ?? 8;
    this.bases = { sectionAddress: input.address ?? 0n, text: input.textBase, data: input.dataBase, readPointer: input.readPointer };
  }

  /** The CIE at `offset`; a parse failure is cached and thrown again (CONVENTIONS #7). */
  cieAt(offset: number): Cie {
    const cached = this.cies.get(offset);
    if (cached instanceof ParseError) throw cached;
    if (cached) return cached;
    try {
      const h = readRecordHeader(this.bytes, this.kind, offset, this.name);
      if (h.terminator || !h.isCie) throw h.body.error('expected a CIE here', offset);
      const cie = parseCie(h, this.kind, this.addressSize, this.bases);
      this.cies.set(offset, cie);
      return cie;
    } catch (e) {
      if (e instanceof ParseError) this.cies.set(offset, e);
      throw e;
    }
  }

  fdeAt(offset: number): Fde {
    const h = readRecordHeader(this.bytes, this.kind, offset, this.name);
    if (h.terminator || h.isCie) throw h.body.error('expected an FDE here', offset);
    return parseFde(h, this.cieAt(h.ciePointer), this.bases);
  }

  /** Every FDE, in section order. A malformed record ends the walk (recorded in `problems`). */
  *fdes(): Generator<Fde> {
    let off = 0;
    while (off < this.bytes.length) {
      const h = readRecordHeader(this.bytes, this.kind, off, this.name);
      if (h.next <= off) break;
      off = h.next;
      if (h.terminator) {
        if (this.kind === 'eh_frame') break;
        continue;
      }
      if (h.isCie) continue;
      yield parseFde(h, this.cieAt(h.ciePointer), this.bases);
    }
  }

  private buildIndex(): IndexEntry[] {
    const out: IndexEntry[] = [];
    let off = 0;
    while (off < this.bytes.length) {
      let next: number;
      try {
        const h = readRecordHeader(this.bytes, this.kind, off, this.name);
        next = h.next;
        if (h.terminator && this.kind === 'eh_frame') break;
        if (!h.terminator && !h.isCie) {
          try {
            const f = parseFde(h, this.cieAt(h.ciePointer), this.bases);
            // Zero-length or zero-address FDEs belong to code the linker discarded.
            if (f.addressRange > 0n && f.initialLocation !== 0n) {
              out.push({ low: f.initialLocation, high: f.initialLocation + f.addressRange, offset: off });
            }
          } catch (e) {
            if (!(e instanceof ParseError)) throw e;
            this.problems.push(e);
          }
        }
      } catch (e) {
        if (!(e instanceof ParseError)) throw e;
        this.problems.push(e);
        break; // the record length is bad: nothing after it can be located
      }
      off = next;
    }
    out.sort((a, b) => (a.low < b.low ? -1 : a.low > b.low ? 1 : 0));
    return out;
  }

  /** The FDE covering `pc`, if any. */
  findFde(pc: bigint): Fde | undefined {
    this.index ??= this.buildIndex();
    const idx = this.index;
    let lo = 0, hi = idx.length - 1, found = -1;
    while (lo <= hi) {
      const mid = (lo + hi) >> 1;
      if (idx[mid].low <= pc) { found = mid; lo = mid + 1; } else hi = mid - 1;
    }
    // Overlapping FDEs are rare; scan back a little for one that covers pc.
    for (let i = found; i >= 0 && i > found - 8; i--) {
      if (idx[i].low <= pc && pc < idx[i].high) return this.fdeAt(idx[i].offset);
    }
    return undefined;
  }

  /** The unwind row in force at `pc`, or undefined when no FDE covers it. */
  rowAt(pc: bigint): { fde: Fde; row: UnwindRow } | undefined {
    const fde = this.findFde(pc);
    return fde ? { fde, row: rowForPc(fde, pc, this.name, this.bases) } : undefined;
  }

  get fdeCount(): number {
    this.index ??= this.buildIndex();
    return this.index.length;
  }
}
