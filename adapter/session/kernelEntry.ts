// The address the kernel's first instruction runs at, for stopAtEntry: the PVH entry note
// (Xen note type 18, a physical address QEMU jumps to with paging off) or else ELF e_entry.
// A Linux bzImage boots through its decompressor, which jumps to vmlinux's e_entry (startup_64 at
// its physical load address, 0x1000000 with nokaslr), never to the PVH entry: callers ask for
// `elfEntryOnly` then.
import * as fs from 'node:fs';
import { readLE } from '../common/hex';

const PT_NOTE = 4;
const XEN_ELFNOTE_PHYS32_ENTRY = 18;

export function kernelEntry(file: string, elfEntryOnly = false): bigint | undefined {
  let b: Buffer;
  try { b = fs.readFileSync(file); } catch { return undefined; }
  if (b.length < 64 || b.readUInt32BE(0) !== 0x7f454c46 || b[4] !== 2 || b[5] !== 1) return undefined;
  const u8 = new Uint8Array(b.buffer, b.byteOffset, b.byteLength);
  const entry = readLE(u8, 24, 8);
  const phoff = Number(readLE(u8, 32, 8));
  const phentsize = b.readUInt16LE(54);
  const phnum = b.readUInt16LE(56);
  for (let i = 0; i < (elfEntryOnly ? 0 : phnum); i++) {
    const ph = phoff + i * phentsize;
    if (ph + 56 > b.length || b.readUInt32LE(ph) !== PT_NOTE) continue;
    const off = Number(readLE(u8, ph + 8, 8));
    const size = Number(readLE(u8, ph + 32, 8));
    const pvh = pvhEntryInNotes(u8, off, Math.min(off + size, b.length));
    if (pvh !== undefined) return pvh;
  }
  return entry === 0n ? undefined : entry;
}

function pvhEntryInNotes(u8: Uint8Array, start: number, end: number): bigint | undefined {
  const align4 = (n: number) => (n + 3) & ~3;
  for (let p = start; p + 12 <= end;) {
    const namesz = Number(readLE(u8, p, 4));
    const descsz = Number(readLE(u8, p + 4, 4));
    const type = Number(readLE(u8, p + 8, 4));
    const name = Buffer.from(u8.subarray(p + 12, p + 12 + namesz)).toString('latin1').replace(/\0+$/, '');
    const desc = p + 12 + align4(namesz);
    if (name === 'Xen' && type === XEN_ELFNOTE_PHYS32_ENTRY && descsz >= 4 && desc + descsz <= end) {
      return readLE(u8, desc, descsz >= 8 ? 8 : 4);
    }
    const next = desc + align4(descsz);
    if (next <= p) return undefined;
    p = next;
  }
  return undefined;
}

/** Whether `file` is an ELF image (else e.g. a bzImage, booted through QEMU's Linux loader). */
export function isElfFile(file: string): boolean {
  try {
    const fd = fs.openSync(file, 'r');
    try {
      const b = Buffer.alloc(4);
      return fs.readSync(fd, b, 0, 4, 0) === 4 && b.readUInt32BE(0) === 0x7f454c46;
    } finally { fs.closeSync(fd); }
  } catch { return false; }
}
