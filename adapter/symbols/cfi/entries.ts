// CIE and FDE records of .debug_frame (DWARF 5 §6.4.1) and .eh_frame (LSB §10.6).
//
//  | unit_length (4, or 0xffffffff + 8) | CIE_id / CIE_pointer (4|8) | ...
//  CIE: version(1) augmentation(cstr) [v4: address_size(1) segment_size(1)] code_align(uleb)
//       data_align(sleb) return_address_register(v1: u8, else uleb) ['z': aug_len(uleb) aug_data]
//       initial_instructions...
//  FDE: initial_location(enc) address_range(enc) ['z': aug_len(uleb) [lsda(enc)]] instructions...
import { ByteCursor } from '../../common/cursor';
import { DW_EH_PE_omit, PointerBases, readEncodedPointer } from './encoding';

export type CfiKind = 'debug_frame' | 'eh_frame';

export interface Cie {
  /** Section offset of the record's length field. */
  offset: number;
  version: number;
  augmentation: string;
  addressSize: number;
  segmentSize: number;
  codeAlign: bigint;
  dataAlign: bigint;
  returnAddressRegister: number;
  /** DW_EH_PE encoding of FDE addresses (absptr for .debug_frame). */
  fdeEncoding: number;
  lsdaEncoding: number;
  personality?: bigint;
  /** 'S': frames of this CIE are signal/interrupt frames (the pc is not a return address). */
  signalFrame: boolean;
  hasAugmentationData: boolean;
  initialInstructions: Uint8Array;
  /** Section offset of initialInstructions[0], for error messages. */
  instructionsOffset: number;
}

export interface Fde {
  offset: number;
  cie: Cie;
  initialLocation: bigint;
  addressRange: bigint;
  lsda?: bigint;
  instructions: Uint8Array;
  instructionsOffset: number;
}

/** One record header: where it starts, its body window, and the CIE id/pointer field. */
export interface RecordHeader {
  offset: number;
  /** Section offset one past the record. */
  next: number;
  /** True for a zero terminator (.eh_frame ends with length 0). */
  terminator: boolean;
  isCie: boolean;
  /** For an FDE: section offset of its CIE. */
  ciePointer: number;
  body: ByteCursor;
  offsetSize: 4 | 8;
}

export function readRecordHeader(section: Uint8Array, kind: CfiKind, offset: number, name: string): RecordHeader {
  const c = new ByteCursor(section, name, offset);
  let len = c.u32();
  let offsetSize: 4 | 8 = 4;
  if (len === 0) return { offset, next: c.pos, terminator: true, isCie: false, ciePointer: 0, body: c, offsetSize };
  if (len === 0xffffffff) {
    const l64 = c.u64();
    if (l64 > BigInt(section.length)) throw c.error(`record length 0x${l64.toString(16)} exceeds the section`, offset);
    len = Number(l64);
    offsetSize = 8;
  } else if (len >= 0xfffffff0) {
    throw c.error(`reserved record length 0x${len.toString(16)}`, offset);
  }
  if (len > c.remaining) throw c.error(`record length 0x${len.toString(16)} exceeds the section`, offset);
  const body = c.sub(len);
  const idPos = body.pos;
  const id = offsetSize === 8 ? body.u64() : BigInt(body.u32());
  let isCie: boolean, ciePointer = 0;
  if (kind === 'eh_frame') {
    isCie = id === 0n;
    // .eh_frame: the CIE pointer is the distance back from this field to the CIE.
    if (!isCie) ciePointer = idPos - Number(id);
  } else {
    isCie = id === (offsetSize === 8 ? 0xffffffffffffffffn : 0xffffffffn);
    if (!isCie) ciePointer = Number(id);
  }
  if (!isCie && (ciePointer < 0 || ciePointer >= section.length)) {
    throw body.error(`CIE pointer 0x${id.toString(16)} points outside the section`, idPos);
  }
  return { offset, next: c.pos, terminator: false, isCie, ciePointer, body, offsetSize };
}

export function parseCie(h: RecordHeader, kind: CfiKind, defaultAddressSize: number, bases: PointerBases): Cie {
  const c = h.body;
  const version = c.u8();
  const okVersions = kind === 'eh_frame' ? [1, 3] : [1, 3, 4];
  if (!okVersions.includes(version)) throw c.error(`unsupported CIE version ${version}`, c.pos - 1);
  const augmentation = c.cstr();
  let addressSize = defaultAddressSize, segmentSize = 0;
  if (version === 4) {
    addressSize = c.u8();
    segmentSize = c.u8();
    if (![1, 2, 4, 8].includes(addressSize)) throw c.error(`CIE address size ${addressSize}`, c.pos - 2);
  }
  if (augmentation.startsWith('eh')) c.skip(addressSize); // ancient GCC "eh" data pointer
  const codeAlign = c.uleb();
  const dataAlign = c.sleb();
  const returnAddressRegister = version === 1 ? c.u8() : c.ulebNum(0xffff, 'return address register');
  const cie: Cie = {
    offset: h.offset, version, augmentation, addressSize, segmentSize, codeAlign, dataAlign,
    returnAddressRegister, fdeEncoding: 0, lsdaEncoding: DW_EH_PE_omit, signalFrame: false,
    hasAugmentationData: augmentation.startsWith('z'),
    initialInstructions: new Uint8Array(0), instructionsOffset: 0,
  };
  if (cie.hasAugmentationData) {
    const augLen = c.ulebNum(c.remaining, 'augmentation length');
    const aug = c.sub(augLen);
    for (const ch of augmentation.slice(1)) {
      if (ch === 'L') cie.lsdaEncoding = aug.u8();
      else if (ch === 'R') cie.fdeEncoding = aug.u8();
      else if (ch === 'P') {
        // Unwinding never needs the personality routine: an unreadable indirect one is left out
        const enc = aug.u8();
        const slot = readEncodedPointer(aug, enc & 0x7f, addressSize, bases);
        cie.personality = enc & 0x80 ? bases.readPointer?.(slot) : slot;
      } else if (ch === 'S') cie.signalFrame = true;
      else if (ch === 'B' || ch === 'G') continue; // AArch64 key / MTE: no data
      else break; // unknown: the rest of the data is skipped by its length
    }
  } else if (augmentation !== '' && !augmentation.startsWith('eh')) {
    throw c.error(`unknown CIE augmentation "${augmentation}"`, h.offset);
  }
  cie.instructionsOffset = c.offset;
  cie.initialInstructions = c.bytesN(c.remaining);
  return cie;
}

export function parseFde(h: RecordHeader, cie: Cie, bases: PointerBases): Fde {
  const c = h.body;
  if (cie.segmentSize > 0) c.skip(cie.segmentSize);
  const initialLocation = readEncodedPointer(c, cie.fdeEncoding, cie.addressSize, bases);
  const addressRange = readEncodedPointer(c, cie.fdeEncoding & 0x0f, cie.addressSize, bases, { valueOnly: true });
  let lsda: bigint | undefined;
  if (cie.hasAugmentationData) {
    const augLen = c.ulebNum(c.remaining, 'augmentation length');
    const aug = c.sub(augLen);
    if (cie.lsdaEncoding !== DW_EH_PE_omit && augLen > 0) {
      const slot = readEncodedPointer(aug, cie.lsdaEncoding & 0x7f, cie.addressSize, bases, { funcStart: initialLocation });
      lsda = cie.lsdaEncoding & 0x80 ? bases.readPointer?.(slot) : slot;
    }
  }
  const instructionsOffset = c.offset;
  return { offset: h.offset, cie, initialLocation, addressRange, lsda, instructions: c.bytesN(c.remaining), instructionsOffset };
}
