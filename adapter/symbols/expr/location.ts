// What a DWARF location description evaluates to: where a value lives (or that it is gone).

/** A location of one whole value or of one piece of it. */
export type SimpleLocation =
  | { kind: 'memory'; address: bigint }
  | { kind: 'register'; regno: number }
  /** DW_OP_stack_value: the value itself, not its address. */
  | { kind: 'value'; value: bigint }
  /** DW_OP_implicit_value: the value's bytes are in the expression. */
  | { kind: 'implicit'; bytes: Uint8Array }
  /** DW_OP_implicit_pointer: a pointer to the variable at DIE `die`, plus `offset` bytes. */
  | { kind: 'implicitPointer'; die: bigint; offset: bigint }
  | { kind: 'optimizedOut'; reason: string };

export interface Piece {
  location: SimpleLocation;
  sizeBits: number;
  /** DW_OP_bit_piece's offset into the location (0 for DW_OP_piece). */
  offsetBits: number;
}

export type Location = SimpleLocation | { kind: 'pieces'; pieces: Piece[] };

export const optimizedOut = (reason: string): SimpleLocation => ({ kind: 'optimizedOut', reason });

/** Human text for a location, as `info address` would phrase it (tests and logs). */
export function describeLocation(loc: Location): string {
  switch (loc.kind) {
    case 'memory': return `memory 0x${loc.address.toString(16)}`;
    case 'register': return `register ${loc.regno}`;
    case 'value': return `value 0x${loc.value.toString(16)}`;
    case 'implicit': return `implicit ${Buffer.from(loc.bytes).toString('hex')}`;
    case 'implicitPointer': return `implicit pointer to DIE 0x${loc.die.toString(16)}+${loc.offset}`;
    case 'optimizedOut': return `<optimized out: ${loc.reason}>`;
    case 'pieces': return loc.pieces.map(p => `[${p.sizeBits}b@${p.offsetBits}: ${describeLocation(p.location)}]`).join(' ');
  }
}
