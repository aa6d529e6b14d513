// Splitting memory accesses: chunks no larger than one packet allows and never crossing a
// page boundary, so an unmapped page fails alone (QEMU fails a whole `m` on any bad byte),
// plus merging failed chunks into unreadable ranges.
import type { AddrRange } from './api';
import { ExoError } from '../common/errors';

export const PAGE_SIZE = 4096n;
const ADDR_LIMIT = 1n << 64n;

export interface Chunk { addr: bigint; offset: number; length: number }

export function planChunks(addr: bigint, length: number, maxChunk: number, pageSize = PAGE_SIZE): Chunk[] {
  if (!Number.isSafeInteger(length) || length < 0) throw new ExoError('user', `bad memory length ${length}`);
  if (addr < 0n || addr + BigInt(length) > ADDR_LIMIT) {
    throw new ExoError('user', `memory range 0x${addr.toString(16)} + ${length} bytes runs past the end of the address space`);
  }
  const out: Chunk[] = [];
  let offset = 0;
  while (offset < length) {
    const a = addr + BigInt(offset);
    const toPage = Number(pageSize - (a % pageSize));
    const n = Math.min(maxChunk, toPage, length - offset);
    out.push({ addr: a, offset, length: n });
    offset += n;
  }
  return out;
}

/** Merges ranges (sorted or not) that touch or overlap. */
export function mergeRanges(ranges: AddrRange[]): AddrRange[] {
  const sorted = [...ranges].sort((a, b) => (a.start < b.start ? -1 : a.start > b.start ? 1 : 0));
  const out: AddrRange[] = [];
  for (const r of sorted) {
    const last = out[out.length - 1];
    if (last && r.start <= last.end) { if (r.end > last.end) last.end = r.end; }
    else out.push({ start: r.start, end: r.end });
  }
  return out;
}
