// Packet framing for what we send: `$`, escaped payload, `#`, two-digit checksum.
//
//   | '$' | payload (escaped) | '#' | checksum: 2 lowercase hex digits |
//
//   checksum = sum of the payload bytes AS SENT (after escaping) mod 256.
//   Escape: '#' '$' '}' '*' are sent as '}' followed by (byte XOR 0x20). '*' is escaped
//   because it would read as run-length encoding in the other direction.

export const ACK = 0x2b;       // '+'
export const NAK = 0x2d;       // '-'
export const INTERRUPT = 0x03; // Ctrl-C byte: stops a running target
export const DOLLAR = 0x24;    // '$'
export const HASH = 0x23;      // '#'
export const ESCAPE = 0x7d;    // '}'
export const STAR = 0x2a;      // '*'
export const PERCENT = 0x25;   // '%' (notification start; QEMU never sends one)

export function checksum(bytes: Uint8Array, start = 0, end = bytes.length): number {
  let sum = 0;
  for (let i = start; i < end; i++) sum = (sum + bytes[i]) & 0xff;
  return sum;
}

const needsEscape = (b: number) => b === DOLLAR || b === HASH || b === ESCAPE || b === STAR;

/** Escapes raw payload bytes for the wire. */
export function escape(payload: Uint8Array): Uint8Array {
  let extra = 0;
  for (const b of payload) if (needsEscape(b)) extra++;
  if (extra === 0) return payload;
  const out = new Uint8Array(payload.length + extra);
  let j = 0;
  for (const b of payload) {
    if (needsEscape(b)) { out[j++] = ESCAPE; out[j++] = b ^ 0x20; } else out[j++] = b;
  }
  return out;
}

const HEX = '0123456789abcdef';

/** Frames a payload (string = latin1 bytes) into a complete `$…#xx` packet. */
export function encodePacket(payload: string | Uint8Array): Uint8Array {
  const raw = typeof payload === 'string' ? Buffer.from(payload, 'latin1') : payload;
  const body = escape(raw);
  const out = new Uint8Array(body.length + 4);
  out[0] = DOLLAR;
  out.set(body, 1);
  const sum = checksum(body);
  out[body.length + 1] = HASH;
  out[body.length + 2] = HEX.charCodeAt(sum >> 4);
  out[body.length + 3] = HEX.charCodeAt(sum & 0xf);
  return out;
}
