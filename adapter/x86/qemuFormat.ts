// Formats a page-table snapshot exactly like QEMU 7.2's `info tlb` and `info mem` monitor
// commands (target/i386/monitor.c: print_pte, tlb_info_*, mem_print, mem_info_*), masks and
// canonical-address quirks included, so the two outputs can be compared byte for byte.
import { canonical } from './paging';
import { asciiBytes, AsciiText } from './asciiText';
import { forEachLeaf, nextTable, nextTableWords, PageTableSnapshot, WalkOptions } from './walk';

const hex16 = (v: bigint) => BigInt.asUintN(64, v).toString(16).padStart(16, '0');

const PSE = 0x80n;
const TLB_MASKS_LONG = { '1g': 0x3_ffff_c000_0000n, '2m': 0x3_ffff_ffe0_0000n, '4k': 0x3_ffff_ffff_f000n } as const;

/** QEMU's print_pte flag letters: X G P D A C T U W. */
export function pteFlagLetters(pte: bigint): string {
  const f = (m: bigint, c: string) => ((pte & m) !== 0n ? c : '-');
  return f(1n << 63n, 'X') + f(0x100n, 'G') + f(0x80n, 'P') + f(0x40n, 'D') + f(0x20n, 'A') +
    f(0x10n, 'C') + f(0x8n, 'T') + f(0x4n, 'U') + f(0x2n, 'W');
}

/** QEMU canonicalizes with 57 bits when CR4.LA57, else 48 (also outside long mode). */
const monitorVaBits = (snap: PageTableSnapshot) => (snap.geometry.mode === '5-level' ? 57 : 48);

export interface FormatResult { readonly text: string; readonly lines: number; readonly truncated: boolean }

/** `info tlb` text for the snapshot (one line per present leaf, "\n"-terminated). */
export function formatInfoTlb(snap: PageTableSnapshot, opts: WalkOptions = {}): FormatResult {
  return snap.geometry.mode === '5-level' ? formatInfoTlbBig(snap, opts) : formatInfoTlbFast(snap, opts);
}

/** pteFlagLetters for every (NX, bits 0-8) combination, 9 bytes each at (NX << 9 | low bits) * 9. */
const FLAG_BYTES: Uint8Array = asciiBytes(Array.from({ length: 1024 }, (_, i) => pteFlagLetters((BigInt(i >> 9) << 63n) | BigInt(i & 0x1ff))).join(''));
const HIGH_HALF = asciiBytes('ffff'), LOW_HALF = asciiBytes('0000');
/** [hi, lo] words of QEMU's print masks, per mode and leaf kind. */
const FAST_MASKS = {
  '32-bit': { last: [0xffff_ffff, 0xffff_f000], large2: [0xffff_ffff, 0xffe0_0000], large3: [0, 0] },
  'PAE': { last: [0xffff_ffff, 0xffff_f000], large2: [0xffff_ffff, 0xfff0_0000], large3: [0, 0] },
  '4-level': { last: [0x3_ffff, 0xffff_f000], large2: [0x3_ffff, 0xffe0_0000], large3: [0x3_ffff, 0xc000_0000] },
} as const;
/** "vvvvvvvvvvvvvvvv: pppppppppppppppp XGPDACTUW\n" */
const TLB_LINE = 45;
/** "ssssssssssssssss-eeeeeeeeeeeeeeee zzzzzzzzzzzzzzzz urw\n" */
const MEM_LINE = 55;

/**
 * Below 5-level paging every linear address fits a double exactly (< 2^48), so the hot loop
 * works on numbers and 32-bit words instead of bigint, and writes bytes instead of building
 * strings: Linux has ~70,000 leaves, and per-line strings made the garbage collector the
 * main cost of a walk.
 */
function formatInfoTlbFast(snap: PageTableSnapshot, opts: WalkOptions): FormatResult {
  const g = snap.geometry;
  const masks = FAST_MASKS[g.mode as keyof typeof FAST_MASKS];
  const max = opts.maxLeaves ?? 4_000_000;
  const out = new AsciiText(TLB_LINE * 4096);
  let lines = 0;
  let truncated = false;
  const rec = (table: bigint, depth: number, base: number): void => {
    const lv = g.levels[depth];
    const words = snap.cache.loadedTableWords(table, lv.entries, lv.entrySize)!;
    const wide = lv.entrySize === 8;
    const last = depth === g.levels.length - 1;
    const scale = 2 ** Number(lv.shift);
    const m = last ? masks.last : lv.level === 3 ? masks.large3 : masks.large2;
    for (let i = 0; i < lv.entries && !truncated; i++) {
      const lo = wide ? words[2 * i] : words[i];
      if ((lo & 1) === 0) continue;
      const hi = wide ? words[2 * i + 1] : 0;
      const va = base + i * scale;
      if (last || (lv.largePages && (lo & 0x80) !== 0)) {
        if (lines >= max) { truncated = true; return; }
        lines++;
        const plo = last ? lo & ~0x80 : lo;
        out.reserve(TLB_LINE);
        out.copy(va >= 2 ** 47 ? HIGH_HALF : LOW_HALF);
        out.hex32(Math.floor(va / 2 ** 32), 4);
        out.hex32(va >>> 0);
        out.byte(0x3a); out.byte(0x20); // ": "
        out.hex32(hi & m[0]);
        out.hex32(plo & m[1]);
        out.byte(0x20);
        out.copy(FLAG_BYTES, (((hi >>> 31) << 9) | (plo & 0x1ff)) * 9, 9);
        out.byte(0x0a);
      } else {
        rec(nextTableWords(g, lo, hi), depth + 1, va);
      }
    }
  };
  rec(g.root, 0, 0);
  return { text: out.toString(), lines, truncated };
}

/** The bigint path: 5-level paging (57-bit addresses do not fit a double). */
function formatInfoTlbBig(snap: PageTableSnapshot, opts: WalkOptions): FormatResult {
  const g = snap.geometry;
  const out: string[] = [];
  const r = forEachLeaf(snap, leaf => {
    const depth = leaf.chain.length - 1;
    let pte = leaf.chain[depth];
    let mask: bigint;
    const last = depth === g.levels.length - 1;
    if (g.mode === '32-bit') {
      if (last) { pte &= ~PSE; mask = 0xffff_ffff_ffff_f000n; } else mask = 0xffff_ffff_ffe0_0000n;
    } else if (g.mode === 'PAE') {
      if (last) { pte &= ~PSE; mask = 0xffff_ffff_ffff_f000n; } else mask = 0xffff_ffff_fff0_0000n;
    } else if (last) {
      pte &= ~PSE; mask = TLB_MASKS_LONG['4k'];
    } else {
      mask = g.levels[depth].level === 3 ? TLB_MASKS_LONG['1g'] : TLB_MASKS_LONG['2m'];
    }
    const addr = canonical(BigInt.asUintN(64, leaf.virt) & ((1n << BigInt(g.vaBits)) - 1n), monitorVaBits(snap));
    out.push(`${hex16(addr)}: ${hex16(pte & mask)} ${pteFlagLetters(pte)}\n`);
  }, opts);
  return { text: out.join(''), lines: out.length, truncated: r.truncated };
}

/**
 * `info mem` text: ranges of equal (US, RW, P) protection, ANDed down the chain, printed when
 * the protection changes; QEMU also canonicalizes the size column, and so do we. Under LA57
 * this is the correct generalization: QEMU 7.2's mem_info_la57 tests the present bit inverted
 * (and walks garbage for a long time), so there is nothing identical to match.
 */
export function formatInfoMem(snap: PageTableSnapshot, opts: WalkOptions = {}): FormatResult {
  return snap.geometry.mode === '5-level' ? formatInfoMemBig(snap, opts) : formatInfoMemFast(snap, opts);
}

/** `info mem` below 5-level paging: numbers and bytes, as formatInfoTlbFast. */
function formatInfoMemFast(snap: PageTableSnapshot, opts: WalkOptions): FormatResult {
  const g = snap.geometry;
  const out = new AsciiText(MEM_LINE * 256);
  const max = opts.maxLeaves ?? 4_000_000;
  let visited = 0, lines = 0;
  let truncated = false;
  let start = -1;
  let lastProt = 0;
  // canonical(v, 48) as 16 hex digits (every value here is below 2^49).
  const put64 = (v: number) => {
    const hi = Math.floor(v / 2 ** 32);
    out.hex32(v >= 2 ** 47 && v < 2 ** 48 ? hi | 0xffff_0000 : hi);
    out.hex32(v >>> 0);
  };
  const emit = (end: number, prot: number) => {
    if (prot === lastProt) return;
    if (start !== -1) {
      out.reserve(MEM_LINE);
      put64(start); out.byte(0x2d); put64(end); out.byte(0x20); put64(end - start); out.byte(0x20);
      out.byte((lastProt & 4) !== 0 ? 0x75 : 0x2d); out.byte(0x72); out.byte((lastProt & 2) !== 0 ? 0x77 : 0x2d); out.byte(0x0a);
      lines++;
    }
    start = prot !== 0 ? end : -1;
    lastProt = prot;
  };
  const rec = (table: bigint, depth: number, base: number, parentMask: number): void => {
    const lv = g.levels[depth];
    const words = snap.cache.loadedTableWords(table, lv.entries, lv.entrySize)!;
    const wide = lv.entrySize === 8;
    const last = depth === g.levels.length - 1;
    const scale = 2 ** Number(lv.shift);
    for (let i = 0; i < lv.entries && !truncated; i++) {
      if (++visited > max) { truncated = true; return; }
      const lo = wide ? words[2 * i] : words[i];
      const end = base + i * scale;
      if ((lo & 1) === 0) { emit(end, 0); continue; }
      if (last || (lv.largePages && (lo & 0x80) !== 0)) {
        emit(end, lo & 7 & parentMask);
      } else {
        // PAE PDPTEs carry no RW/US bits: QEMU does not AND them in.
        const mask = g.mode === 'PAE' && depth === 0 ? parentMask : parentMask & lo;
        rec(nextTableWords(g, lo, wide ? words[2 * i + 1] : 0), depth + 1, end, mask);
      }
    }
  };
  rec(g.root, 0, 0, 7);
  if (!truncated) emit(2 ** (g.mode === '32-bit' || g.mode === 'PAE' ? 32 : g.vaBits), 0);
  return { text: out.toString(), lines, truncated };
}

/** The bigint path of `info mem` (5-level paging). */
function formatInfoMemBig(snap: PageTableSnapshot, opts: WalkOptions): FormatResult {
  const g = snap.geometry;
  const vaBits = monitorVaBits(snap);
  const out: string[] = [];
  const max = opts.maxLeaves ?? 4_000_000;
  let visited = 0;
  let truncated = false;
  let start = -1n;
  let lastProt = 0n;
  const emit = (end: bigint, prot: bigint) => {
    if (prot === lastProt) return;
    if (start !== -1n) {
      out.push(`${hex16(canonical(start, vaBits))}-${hex16(canonical(end, vaBits))} ${hex16(canonical(BigInt.asUintN(64, end - start), vaBits))} ` +
        `${(lastProt & 4n) !== 0n ? 'u' : '-'}r${(lastProt & 2n) !== 0n ? 'w' : '-'}\n`);
    }
    start = prot !== 0n ? end : -1n;
    lastProt = prot;
  };
  const rec = (table: bigint, depth: number, base: bigint, parentMask: bigint): void => {
    const lv = g.levels[depth];
    const entries = snap.cache.loadedTable(table, lv.entries, lv.entrySize)!;
    const last = depth === g.levels.length - 1;
    for (let i = 0; i < entries.length && !truncated; i++) {
      if (++visited > max) { truncated = true; return; }
      const raw = entries[i];
      const end = base + (BigInt(i) << lv.shift);
      if ((raw & 1n) === 0n) { emit(end, 0n); continue; }
      if (last || (lv.largePages && (raw & PSE) !== 0n)) {
        emit(end, raw & 7n & parentMask);
      } else {
        // PAE PDPTEs carry no RW/US bits: QEMU does not AND them in.
        const mask = g.mode === 'PAE' && depth === 0 ? parentMask : parentMask & raw;
        rec(nextTable(g, raw), depth + 1, end, mask);
      }
    }
  };
  rec(g.root, 0, 0n, 7n);
  if (!truncated) emit(1n << BigInt(g.mode === '32-bit' || g.mode === 'PAE' ? 32 : g.vaBits), 0n);
  return { text: out.join(''), lines: out.length, truncated };
}
