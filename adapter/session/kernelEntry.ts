// The address the kernel's first instruction runs at, for stopAtEntry: the PVH entry note
// (Xen note type 18, a physical address QEMU jumps to with paging off) or else ELF e_entry.
import * as fs from 'node:fs';
import { readLE } from '../common/hex';

const PT_NOTE = 4;
const XEN_ELFNOTE_PHYS32_ENTRY = 18;

export function kernelEntry(file: string): bigint | undefined {
  let b: Buffer;
  try { b = fs.readFileSync(file); } catch { return undefined; }
  if (b.length < 64 || b.readUInt32BE(0) !== 0x7f454c46 || b[4] !== 2 || b[5] !== 1) return undefined;
  const u8 = new Uint8Array(b.buffer, b.byteOffset, b.byteLength);
  const entry = readLE(u8, 24, 8);
  const phoff = Number(readLE(u8, 32, 8));
  const phentsize = b.readUInt16LE(54);
  const phnum = b.readUInt16LE(56);
  for (let i = 0; i < phnum; i++) {
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
