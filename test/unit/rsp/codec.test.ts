import * as assert from 'node:assert/strict';
import * as fc from 'fast-check';
import { encodePacket, checksum, escape } from '../../../adapter/rsp/codec/framing';
import { PacketDecoder, expandBody, DecodedEvent } from '../../../adapter/rsp/codec/decoder';

const bytes = (s: string) => Buffer.from(s, 'latin1');
const text = (b: Uint8Array) => Buffer.from(b).toString('latin1');
const packets = (evs: DecodedEvent[]) => evs.filter(e => e.type === 'packet').map(e => text((e as { payload: Uint8Array }).payload));

describe('rsp/codec framing', () => {
  it('frames a payload with its checksum', () => {
    assert.equal(text(encodePacket('g')), '$g#67');
    assert.equal(text(encodePacket('m0,4')), '$m0,4#fd');
    assert.equal(text(encodePacket('')), '$#00');
    assert.equal(text(encodePacket('qSupported')), '$qSupported#37');
  });
  it('escapes # $ } * and checksums the escaped bytes', () => {
    assert.equal(text(escape(bytes('a#b$c}d*'))), 'a}\x03b}\x04c}]d}\x0a');
    const p = encodePacket('X#');
    assert.equal(text(p), `$X}\x03#${checksum(bytes('X}\x03')).toString(16).padStart(2, '0')}`);
  });
});

describe('rsp/codec decoder', () => {
  it('decodes acks, naks and a packet split over many slices', () => {
    const d = new PacketDecoder();
    const wire = bytes('+-$OK#9a');
    const evs: DecodedEvent[] = [];
    for (const b of wire) evs.push(...d.push(Uint8Array.of(b)));
    assert.deepEqual(evs.map(e => e.type), ['ack', 'nak', 'packet']);
    assert.deepEqual(packets(evs), ['OK']);
  });
  it('decodes several packets in one slice', () => {
    const d = new PacketDecoder();
    const evs = d.push(bytes('+$OK#9a$E14#aa+$T05thread:p01.02;#07'));
    assert.deepEqual(packets(evs), ['OK', 'E14', 'T05thread:p01.02;']);
  });
  it('expands run-length encoding', () => {
    // '0* ' = '0' + 3 more ('" "' is 32, 32-29 = 3).
    const body = '0* 1';
    const d = new PacketDecoder();
    const evs = d.push(bytes(`$${body}#${checksum(bytes(body)).toString(16).padStart(2, '0')}`));
    assert.deepEqual(packets(evs), ['00001']);
    assert.equal(text(expandBody(bytes('a*"')) as Uint8Array), 'aaaaaa'); // '"' = 34 → 5 more
  });
  it('undoes } escapes (binary qXfer data)', () => {
    assert.deepEqual([...(expandBody(bytes('}\x03}\x04}]}\x0a')) as Uint8Array)], [0x23, 0x24, 0x7d, 0x2a]);
  });
  it('reports bad checksums instead of delivering the packet', () => {
    const evs = new PacketDecoder().push(bytes('$OK#00'));
    assert.deepEqual(evs, [{ type: 'bad-checksum', expected: 0, actual: 0x9a }]);
  });
  it('reports malformed bodies: non-hex checksum, dangling escape, RLE without a byte', () => {
    const d = new PacketDecoder();
    assert.equal(d.push(bytes('$OK#zz'))[0].type, 'malformed');
    const dangling = '}';
    assert.equal(d.push(bytes(`$${dangling}#${checksum(bytes(dangling)).toString(16)}`))[0].type, 'malformed');
    const rle = '*"';
    assert.equal(d.push(bytes(`$${rle}#${checksum(bytes(rle)).toString(16)}`))[0].type, 'malformed');
  });
  it('resynchronises when a packet restarts before its end, and reports noise', () => {
    const evs = new PacketDecoder().push(bytes('x$OK$OK#9a'));
    assert.deepEqual(evs.map(e => e.type), ['noise', 'malformed', 'packet']);
  });

  it('round-trips any payload through encode → decode, in any slicing', () => {
    fc.assert(fc.property(fc.uint8Array({ maxLength: 300 }), fc.array(fc.nat(50), { maxLength: 10 }), (payload, cuts) => {
      const wire = encodePacket(payload);
      const d = new PacketDecoder();
      const evs: DecodedEvent[] = [];
      let at = 0;
      for (const c of cuts) { evs.push(...d.push(wire.subarray(at, Math.min(wire.length, at + c)))); at = Math.min(wire.length, at + c); }
      evs.push(...d.push(wire.subarray(at)));
      assert.equal(evs.length, 1);
      assert.equal(evs[0].type, 'packet');
      assert.deepEqual([...(evs[0] as { payload: Uint8Array }).payload], [...payload]);
    }), { numRuns: 300 });
  });
  it('never throws on random or mutated input, and every byte is accounted for', () => {
    const valid = fc.uint8Array({ maxLength: 100 }).map(p => encodePacket(p));
    const mutated = fc.tuple(valid, fc.array(fc.tuple(fc.nat(), fc.integer({ min: 0, max: 255 })), { maxLength: 4 }))
      .map(([w, muts]) => { const m = Uint8Array.from(w); for (const [i, v] of muts) if (m.length) m[i % m.length] = v; return m; });
    fc.assert(fc.property(fc.array(fc.oneof(fc.uint8Array({ maxLength: 200 }), mutated), { maxLength: 8 }), chunks => {
      const d = new PacketDecoder();
      for (const c of chunks) {
        for (const e of d.push(c)) assert.ok(['ack', 'nak', 'packet', 'bad-checksum', 'malformed', 'noise'].includes(e.type));
      }
      // After garbage, a valid packet still gets through once framing resyncs on '$'.
      const after = d.push(bytes('#00$OK#9a'));
      assert.ok(packets(after).includes('OK'));
    }), { numRuns: 500 });
  });
});
