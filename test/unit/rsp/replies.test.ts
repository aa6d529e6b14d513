import * as assert from 'node:assert/strict';
import * as fc from 'fast-check';
import { ExoError } from '../../../adapter/common/errors';
import { classifyReply, expectHex, expectOk } from '../../../adapter/rsp/codec/reply';
import { parseStopReply, looksLikeStop } from '../../../adapter/rsp/codec/stop';
import { parseThreadId, formatThreadId } from '../../../adapter/rsp/codec/threadid';
import { parseQSupported, parseVContQuery, parseQemuSupported, parseSstepBits } from '../../../adapter/rsp/packets/supported';
import { parseThreadInfo } from '../../../adapter/rsp/packets/threads';
import { parseXferChunk } from '../../../adapter/rsp/packets/qxfer';
import { parseSstep } from '../../../adapter/rsp/packets/qemu';

const isProtocol = (e: unknown) => e instanceof ExoError && e.kind === 'protocol';

describe('rsp/codec replies', () => {
  it('classifies OK, Exx, E.text, empty, O output and data', () => {
    assert.deepEqual(classifyReply('OK'), { kind: 'ok' });
    assert.deepEqual(classifyReply('E14'), { kind: 'error', code: 0x14 });
    assert.deepEqual(classifyReply('E.no such thing'), { kind: 'error', code: -1, text: 'no such thing' });
    assert.deepEqual(classifyReply(''), { kind: 'empty' });
    assert.deepEqual(classifyReply('O48690a'), { kind: 'output', text: 'Hi\n' });
    assert.deepEqual(classifyReply('0f00'), { kind: 'data', payload: '0f00' });
    // Memory that happens to start with 'e' is data, not an error.
    assert.deepEqual(classifyReply('e14a'), { kind: 'data', payload: 'e14a' });
  });
  it('turns Exx and empty into target errors, junk into protocol errors', () => {
    assert.throws(() => expectOk('Z0', 'E22'), (e: unknown) => e instanceof ExoError && e.kind === 'target' && /E22/.test(e.message));
    assert.throws(() => expectOk('Z0', ''), (e: unknown) => e instanceof ExoError && e.kind === 'target' && /not supported/.test(e.message));
    assert.throws(() => expectOk('Z0', 'what'), isProtocol);
    assert.deepEqual([...expectHex('m', 'f0ff')], [0xf0, 0xff]);
    assert.throws(() => expectHex('m', 'E14'), (e: unknown) => e instanceof ExoError && e.kind === 'target' && /bad address/.test(e.message));
    assert.throws(() => expectHex('m', 'abc'), isProtocol);
  });
});

describe('rsp/codec stop replies', () => {
  it('parses T with a multiprocess thread id', () => {
    const e = parseStopReply('T05thread:p01.02;');
    assert.equal(e.signal, 5);
    assert.equal(e.thread, 2);
    assert.equal(e.pid, 1);
    assert.equal(e.watch, undefined);
  });
  it('parses T with a plain thread id and the interrupt signal', () => {
    const e = parseStopReply('T02thread:03;');
    assert.equal(e.signal, 2);
    assert.equal(e.thread, 3);
    assert.equal(e.pid, undefined);
  });
  it('parses watch, rwatch and awatch with their data address', () => {
    for (const kind of ['watch', 'rwatch', 'awatch'] as const) {
      const e = parseStopReply(`T05thread:p01.01;${kind}:7e00;`);
      assert.deepEqual(e.watch, { kind, addr: 0x7e00n });
    }
    assert.deepEqual(parseStopReply('T05watch:ffffffff81000000;thread:p01.04;').watch,
      { kind: 'watch', addr: 0xffffffff81000000n });
  });
  it('parses swbreak/hwbreak reasons, register pairs and a missing final ;', () => {
    const e = parseStopReply('T05swbreak:;10:f0ff000000000000;thread:01');
    assert.equal(e.reason, 'swbreak');
    assert.equal(e.extra.get('10'), 'f0ff000000000000');
    assert.equal(e.thread, 1);
  });
  it('parses S, W and X', () => {
    assert.deepEqual(parseStopReply('S05'), { signal: 5, extra: new Map() });
    assert.equal(parseStopReply('W00').exited, 0);
    assert.equal(parseStopReply('W01;process:1').pid, 1);
    const x = parseStopReply('X09');
    assert.equal(x.signal, 9);
    assert.equal(x.terminated, true);
  });
  it('rejects malformed stop replies with protocol errors', () => {
    for (const bad of ['T5', 'Q05', 'T05thread', 'T05thread:zz;', 'T05thread:-1;', 'T05watch:xyz;', 'S05x', 'W00;junk']) {
      assert.throws(() => parseStopReply(bad), isProtocol, bad);
    }
  });
  it('tells stop replies apart from other replies', () => {
    assert.ok(looksLikeStop('T02thread:p01.01;'));
    assert.ok(!looksLikeStop('OK'));
    assert.ok(!looksLikeStop('Text=0'));
    assert.ok(!looksLikeStop('PacketSize=1000'));
  });
  it('never throws anything but a protocol error on random input', () => {
    const arb = fc.oneof(fc.string(), fc.string().map(s => 'T05' + s), fc.string().map(s => 'T05thread:' + s));
    fc.assert(fc.property(arb, s => {
      try { parseStopReply(s); } catch (e) { assert.ok(isProtocol(e), String(e)); }
    }), { numRuns: 1000 });
  });
});

describe('rsp/codec thread ids', () => {
  it('parses plain, multiprocess, all and any', () => {
    assert.deepEqual(parseThreadId('02'), { tid: 2 });
    assert.deepEqual(parseThreadId('p01.04'), { pid: 1, tid: 4 });
    assert.deepEqual(parseThreadId('-1'), { tid: 'all' });
    assert.deepEqual(parseThreadId('0'), { tid: 'any' });
    assert.deepEqual(parseThreadId('p1.-1'), { pid: 1, tid: 'all' });
    assert.deepEqual(parseThreadId('p1'), { pid: 1, tid: 'all' });
    assert.throws(() => parseThreadId('p.x'), isProtocol);
  });
  it('formats ids with and without pid', () => {
    assert.equal(formatThreadId(2 as never), '02');
    assert.equal(formatThreadId(2 as never, 1), 'p01.02');
    assert.equal(formatThreadId('all', 1), 'p01.-1');
    assert.equal(formatThreadId('any'), '0');
  });
});

describe('rsp reply parsers under random input', () => {
  it('only ever return or throw typed errors', () => {
    const parsers: ((s: string) => unknown)[] = [
      parseQSupported, parseVContQuery, parseQemuSupported, parseSstepBits, parseThreadInfo,
      s => parseXferChunk('target.xml', s), parseSstep, s => expectHex('m', s), s => expectOk('Z0', s),
      classifyReply, parseThreadId, parseStopReply,
    ];
    const arb = fc.oneof(fc.string(), fc.constantFrom('m', 'l', 'E', 'T', 'p', 'O', 'W').chain(p => fc.string().map(s => p + s)));
    fc.assert(fc.property(arb, s => {
      for (const parse of parsers) {
        try { parse(s); } catch (e) {
          assert.ok(e instanceof ExoError && (e.kind === 'protocol' || e.kind === 'target'), `${String(e)} for '${s}'`);
        }
      }
    }), { numRuns: 1000 });
  });
});
