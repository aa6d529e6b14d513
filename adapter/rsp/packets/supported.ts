// Feature negotiation.
//
//   -> | "qSupported:" feature (";" feature)* |   we offer multiprocess+;swbreak+;hwbreak+;…
//   <- | feature (";" feature)* |   feature = name "=" value | name "+" | name "-" | name "?"
//   -> | "vCont?" |            <- | "vCont" (";" action)* |        e.g. vCont;c;C;s;S
//   -> | "qqemu.Supported" |   <- | name (";" name)* |             e.g. sstepbits;sstep;PhyMemMode
//   -> | "qqemu.sstepbits" |   <- | "ENABLE=1,NOIRQ=2,NOTIMER=4" |
import type { RspFeatures, SstepBits, VContSupport } from '../api';
import { protocolError } from '../codec/reply';

export const QSUPPORTED = 'qSupported:multiprocess+;swbreak+;hwbreak+;vContSupported+';
export const VCONT_QUERY = 'vCont?';
export const QEMU_SUPPORTED = 'qqemu.Supported';
export const QEMU_SSTEPBITS = 'qqemu.sstepbits';

export function parseQSupported(payload: string): Map<string, string | boolean> {
  const out = new Map<string, string | boolean>();
  if (payload === '') return out;
  for (const f of payload.split(';')) {
    if (f === '') continue;
    const eq = f.indexOf('=');
    if (eq > 0) out.set(f.slice(0, eq), f.slice(eq + 1));
    else if (f.endsWith('+')) out.set(f.slice(0, -1), true);
    else if (f.endsWith('-') || f.endsWith('?')) out.set(f.slice(0, -1), false);
    else throw protocolError('qSupported', payload);
  }
  return out;
}

/** `vCont?` reply → supported actions, or undefined when vCont is not supported. */
export function parseVContQuery(payload: string): VContSupport | undefined {
  if (payload === '' || !payload.startsWith('vCont')) return undefined;
  const acts = new Set(payload.slice(5).split(';').filter(a => a !== ''));
  return { c: acts.has('c'), C: acts.has('C'), s: acts.has('s'), S: acts.has('S'), t: acts.has('t'), r: acts.has('r') };
}

export function parseQemuSupported(payload: string): Set<string> {
  return new Set(payload.split(';').filter(s => s !== ''));
}

export function parseSstepBits(payload: string): SstepBits | undefined {
  const kv = new Map<string, number>();
  for (const p of payload.split(',')) {
    const m = /^([A-Z]+)=([0-9a-fA-F]+)$/.exec(p);
    if (m) kv.set(m[1], parseInt(m[2], 16));
  }
  const enable = kv.get('ENABLE'), noIrq = kv.get('NOIRQ'), noTimer = kv.get('NOTIMER');
  if (enable === undefined || noIrq === undefined || noTimer === undefined) return undefined;
  return { enable, noIrq, noTimer };
}

/** Builds the features value from the negotiation replies. */
export function buildFeatures(
  supported: Map<string, string | boolean>,
  vCont: VContSupport | undefined,
  qemu: Set<string>,
  sstepBits: SstepBits | undefined,
): RspFeatures {
  const ps = supported.get('PacketSize');
  const packetSize = typeof ps === 'string' && /^[0-9a-fA-F]+$/.test(ps) ? parseInt(ps, 16) : 400;
  const f: RspFeatures = {
    packetSize,
    multiprocess: supported.get('multiprocess') === true,
    xferFeatures: supported.get('qXfer:features:read') === true,
    raw: supported,
  };
  return {
    ...f,
    ...(vCont ? { vCont } : {}),
    ...(qemu.has('sstep') ? { sstep: sstepBits ? { bits: sstepBits } : {} } : {}),
    ...(qemu.has('PhyMemMode') ? { phyMemMode: { name: 'PhyMemMode' as const } } : {}),
  };
}
