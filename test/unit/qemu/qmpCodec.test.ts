import * as assert from 'node:assert/strict';
import * as fc from 'fast-check';
import { ExoError } from '../../../adapter/common/errors';
import { encodeQmpCommand, QmpDecoder } from '../../../adapter/qemu/qmpCodec';
import { GREETING } from './fakeQmp';

describe('qemu/qmpCodec', () => {
  it('decodes the QEMU 7.2 greeting, replies, errors and events, split anywhere', () => {
    const stream = GREETING +
      '{"return": {"status": "prelaunch", "singlestep": false, "running": false}, "id": "exo-2"}\r\n' +
      '{"id": "exo-3", "error": {"class": "CommandNotFound", "desc": "The command nosuch has not been found"}}\r\n' +
      '{"timestamp": {"seconds": 1795474952, "microseconds": 45899}, "event": "SHUTDOWN", "data": {"guest": false, "reason": "host-qmp-quit"}}\r\n';
    for (const cut of [1, 7, 50, stream.length - 3]) {
      const d = new QmpDecoder();
      const msgs = [...d.push(stream.slice(0, cut)), ...d.push(stream.slice(cut))];
      assert.deepEqual(msgs, [
        { kind: 'greeting', version: { major: 7, minor: 2, micro: 22, package: 'Debian 1:7.2+dfsg-7+deb12u18+b3' }, capabilities: ['oob'] },
        { kind: 'return', id: 'exo-2', value: { status: 'prelaunch', singlestep: false, running: false } },
        { kind: 'error', id: 'exo-3', errorClass: 'CommandNotFound', desc: 'The command nosuch has not been found' },
        { kind: 'event', event: 'SHUTDOWN', data: { guest: false, reason: 'host-qmp-quit' }, timestamp: { seconds: 1795474952, microseconds: 45899 } },
      ]);
    }
  });

  it('rejects malformed JSON and unknown shapes with a protocol error', () => {
    for (const bad of ['{"return": {}\n', 'hello\n', '[1,2]\n', '{"foo": 1}\n', '{"error": 3}\n']) {
      assert.throws(() => new QmpDecoder().push(bad), (e: unknown) => e instanceof ExoError && e.kind === 'protocol', bad);
    }
  });

  it('encodes commands with id and optional arguments', () => {
    assert.equal(encodeQmpCommand('query-status', undefined, 'exo-1'), '{"execute":"query-status","id":"exo-1"}\n');
    assert.deepEqual(JSON.parse(encodeQmpCommand('human-monitor-command', { 'command-line': 'info cpus' }, 'exo-9')),
      { execute: 'human-monitor-command', id: 'exo-9', arguments: { 'command-line': 'info cpus' } });
  });

  it('never throws anything but a protocol ExoError on random input', () => {
    fc.assert(fc.property(fc.array(fc.oneof(fc.string({ maxLength: 40 }), fc.constantFrom('\n', '\r\n', '{', '}', '"return":', '"event":"STOP"', '"QMP":{}', ',')), { maxLength: 20 }), chunks => {
      const d = new QmpDecoder();
      for (const c of chunks) {
        try { d.push(c); } catch (e) {
          assert.ok(e instanceof ExoError && e.kind === 'protocol', String(e));
          return;
        }
      }
    }), { numRuns: 500 });
  });
});
