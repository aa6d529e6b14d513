// DW_EH_PE pointer encodings of .eh_frame (LSB "Linux Standard Base" §10.5): format in the
// low nibble, application (pcrel/textrel/datarel/funcrel/aligned) in bits 4-6, indirect in bit 7.
import { ByteCursor } from '../../common/cursor';

export const DW_EH_PE_omit = 0xff;

/** Where relative encodings are measured from. All addresses are virtual, as linked. */
export interface PointerBases {
  /** Virtual address of the section's first byte (for pcrel). */
  sectionAddress: bigint;
  /** .text start (textrel), .got or the `DW_EH_PE_datarel` base (datarel). */
  text?: bigint;
  data?: bigint;
  /** Reads the 8-byte pointer stored at a virtual address of the image (DW_EH_PE_indirect). */
  readPointer?(address: bigint): bigint | undefined;
}

/**
 * Reads one encoded pointer at the cursor. `funcStart` is the FDE's initial location
 * (funcrel). With `valueOnly`, the application bits are ignored: FDE address ranges are sizes.
 */
export function readEncodedPointer(
  c: ByteCursor, encoding: number, addressSize: number, bases: PointerBases,
  opts: { funcStart?: bigint; valueOnly?: boolean } = {},
): bigint {
  if (encoding === DW_EH_PE_omit) throw c.error('pointer with encoding DW_EH_PE_omit read');
  const start = c.pos;
  const fieldAddress = bases.sectionAddress + BigInt(c.offset);
  const app = encoding & 0x70;
  if (app === 0x50 && !opts.valueOnly) {
    // aligned: skip to the next address-size boundary (of the section address)
    const misalign = Number(fieldAddress % BigInt(addressSize));
    if (misalign !== 0) c.skip(addressSize - misalign);
  }
  let v: bigint;
  switch (encoding & 0x0f) {
    case 0x00: v = c.uN(addressSize); break;
    case 0x01: v = c.uleb(); break;
    case 0x02: v = BigInt(c.u16()); break;
    case 0x03: v = BigInt(c.u32()); break;
    case 0x04: v = c.u64(); break;
    case 0x09: v = c.sleb(); break;
    case 0x0a: v = BigInt(c.i16()); break;
    case 0x0b: v = BigInt(c.i32()); break;
    case 0x0c: v = c.i64(); break;
    default: throw c.error(`unknown pointer encoding 0x${encoding.toString(16)}`, start);
  }
  if (opts.valueOnly) return BigInt.asUintN(64, v);
  switch (app) {
    case 0x00: case 0x50: break;
    case 0x10: v += fieldAddress; break;
    case 0x20:
      if (bases.text === undefined) throw c.error('DW_EH_PE_textrel pointer but no text base known', start);
      v += bases.text; break;
    case 0x30:
      if (bases.data === undefined) throw c.error('DW_EH_PE_datarel pointer but no data base known', start);
      v += bases.data; break;
    case 0x40:
      if (opts.funcStart === undefined) throw c.error('DW_EH_PE_funcrel pointer outside an FDE', start);
      v += opts.funcStart; break;
    default: throw c.error(`unknown pointer application 0x${app.toString(16)}`, start);
  }
  v = BigInt.asUintN(64, v);
  if (encoding & 0x80) {
    const target = bases.readPointer?.(v);
    if (target === undefined) throw c.error(`indirect pointer at 0x${v.toString(16)} cannot be read`, start);
    v = target;
  }
  return v;
}
