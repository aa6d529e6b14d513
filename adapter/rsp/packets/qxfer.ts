// Object transfer, used for the target description.
//
//   -> | "qXfer:features:read:" annex ":" offset(hex) "," length(hex) |
//   <- | "m" data |   more follows       | "l" data |  last chunk     | "E00" | "" |
// data is binary (escaped on the wire, already unescaped here). QEMU returns at most 2045
// bytes per chunk whatever length is asked: loop on offsets until "l".
import { ExoError } from '../../common/errors';
import { classifyReply, protocolError, targetError, unsupported } from '../codec/reply';

export const encodeFeaturesRead = (annex: string, offset: number, length: number) =>
  `qXfer:features:read:${annex}:${offset.toString(16)},${length.toString(16)}`;

export function parseXferChunk(annex: string, payload: string): { last: boolean; data: string } {
  const what = `qXfer:features:read ${annex}`;
  if (payload.startsWith('m') || payload.startsWith('l')) return { last: payload[0] === 'l', data: payload.slice(1) };
  const r = classifyReply(payload);
  if (r.kind === 'error') throw targetError(what, r.code, r.text);
  if (r.kind === 'empty') throw unsupported(what);
  throw protocolError(what, payload);
}

/** Reads a whole annex by chunks through `request` (payload in, reply out). */
export async function readFeatures(
  request: (payload: string) => Promise<string>, annex: string, chunk: number, maxBytes = 1 << 20,
): Promise<string> {
  let out = '';
  for (;;) {
    const { last, data } = parseXferChunk(annex, await request(encodeFeaturesRead(annex, out.length, chunk)));
    out += data;
    if (last) return out;
    if (data.length === 0) throw new ExoError('protocol', `qXfer ${annex}: empty 'm' chunk would loop forever`);
    if (out.length > maxBytes) throw new ExoError('protocol', `qXfer ${annex}: larger than ${maxBytes} bytes`);
  }
}
