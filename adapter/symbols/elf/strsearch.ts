// Finds where names sit in a string table (.strtab, .debug_str): every offset holding one of the
// names followed by NUL, in one streamed pass through the section's reused buffer (no copy of the
// table kept: fresh memory costs more than the scan). Any offset counts, not only string starts:
// linkers tail-merge strings, so "read" may be the end of "vfs_read".
import type { Section } from './section';

/** Bytes scanned per step. */
const CHUNK = 1024 * 1024;

/** Offsets in `sec` where `names[w]` + NUL starts → w. */
export function findStrings(sec: Section, names: readonly Uint8Array[]): Map<number, number> {
  const out = new Map<number, number>();
  // Names by their last byte, as linked lists in typed arrays (no iterator or array per NUL).
  const head = new Int32Array(256).fill(-1), next = new Int32Array(names.length).fill(-1);
  let maxLen = 0;
  for (let w = names.length - 1; w >= 0; w--) {
    const n = names[w];
    if (!n.length) continue;
    next[w] = head[n[n.length - 1]]; head[n[n.length - 1]] = w;
    if (n.length > maxLen) maxLen = n.length;
  }
  if (!maxLen) return out;
  for (let start = 0; start < sec.size; start += CHUNK) {
    // Each step also holds the maxLen bytes before it: a name ending in this step may begin there.
    const lo = Math.max(0, start - maxLen), end = Math.min(sec.size, start + CHUNK);
    scan(sec.transient(lo, end - lo), lo, start - lo, names, head, next, out);
  }
  return out;
}

/** The NULs at data[from..] whose preceding bytes are a name. */
function scan(data: Uint8Array, base: number, from: number, names: readonly Uint8Array[], head: Int32Array, next: Int32Array, out: Map<number, number>): void {
  const z = Math.max(1, from);
  // Each loop in its own function: V8 optimizes a loop while it runs, and code after it that
  // had not run yet would deoptimize that code once per step.
  if ((data.byteOffset & 3) !== 0) { scanBytes(data, z, base, names, head, next, out); return; }
  const words = new Int32Array(data.buffer, data.byteOffset, data.length >> 2);
  scanWords(data, words, z, base, names, head, next, out);
  scanBytes(data, Math.max(z, words.length << 2), base, names, head, next, out);
}

/** Four bytes at a time: only words holding a zero byte are looked at (most hold none). */
function scanWords(data: Uint8Array, words: Int32Array, z: number, base: number, names: readonly Uint8Array[], head: Int32Array, next: Int32Array, out: Map<number, number>): void {
  for (let i = z >> 2; i < words.length; i++) {
    const v = words[i];
    if (((v - 0x01010101) & ~v & HIGH_BITS) === 0) continue;
    for (let k = Math.max(i << 2, z), e = (i << 2) + 4; k < e; k++) if (data[k] === 0) match(data, k, base, names, head, next, out);
  }
}

function scanBytes(data: Uint8Array, z: number, base: number, names: readonly Uint8Array[], head: Int32Array, next: Int32Array, out: Map<number, number>): void {
  for (; z < data.length; z++) if (data[z] === 0) match(data, z, base, names, head, next, out);
}

const HIGH_BITS = 0x80808080 | 0;

/** Records the names that end right before the NUL at data[z]. */
function match(data: Uint8Array, z: number, base: number, names: readonly Uint8Array[], head: Int32Array, next: Int32Array, out: Map<number, number>): void {
  if (z === 0) return;
  for (let w = head[data[z - 1]]; w >= 0; w = next[w]) {
    const n = names[w], p = z - n.length;
    if (p < 0) continue;
    let k = n.length - 2;
    while (k >= 0 && data[p + k] === n[k]) k--;
    if (k < 0) out.set(base + p, w);
  }
}
