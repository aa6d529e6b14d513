import * as assert from 'node:assert/strict';
import { ExoError } from '../../../adapter/common/errors';
import { rspThread } from '../../../adapter/common/types';
import * as sup from '../../../adapter/rsp/packets/supported';
import * as thr from '../../../adapter/rsp/packets/threads';
import * as mem from '../../../adapter/rsp/packets/memory';
import * as bp from '../../../adapter/rsp/packets/breakpoints';
import * as vc from '../../../adapter/rsp/packets/vcont';
import * as qx from '../../../adapter/rsp/packets/qxfer';
import * as qemu from '../../../adapter/rsp/packets/qemu';
import * as ctl from '../../../adapter/rsp/packets/control';
import * as regs from '../../../adapter/rsp/packets/registers';
import { encodeMonitor } from '../../../adapter/rsp/packets/monitor';
import { buildTable } from '../../../adapter/rsp/targetdesc/table';

describe('rsp/packets', () => {
  it('builds features from QEMU 7.2 negotiation replies', () => {
    const f = sup.buildFeatures(
      sup.parseQSupported('PacketSize=1000;qXfer:features:read+;vContSupported+;multiprocess+'),
      sup.parseVContQuery('vCont;c;C;s;S'),
      sup.parseQemuSupported('sstepbits;sstep;PhyMemMode'),
      sup.parseSstepBits('ENABLE=1,NOIRQ=2,NOTIMER=4'));
    assert.equal(f.packetSize, 4096);
    assert.equal(f.multiprocess, true);
    assert.equal(f.xferFeatures, true);
    assert.deepEqual(f.vCont, { c: true, C: true, s: true, S: true, t: false, r: false });
    assert.deepEqual(f.sstep, { bits: { enable: 1, noIrq: 2, noTimer: 4 } });
    assert.deepEqual(f.phyMemMode, { name: 'PhyMemMode' });
  });
  it('leaves optional capabilities absent on a plain stub', () => {
    const f = sup.buildFeatures(sup.parseQSupported('PacketSize=200;QStartNoAckMode-'), undefined, sup.parseQemuSupported(''), undefined);
    assert.equal(f.packetSize, 0x200);
    assert.equal(f.multiprocess, false);
    assert.ok(!('vCont' in f) && !('sstep' in f) && !('phyMemMode' in f));
    assert.equal(f.raw.get('QStartNoAckMode'), false);
  });
  it('parses thread lists', () => {
    assert.deepEqual(thr.parseThreadInfo('mp01.01,p01.02'), { done: false, ids: [{ pid: 1, tid: 1 }, { pid: 1, tid: 2 }] });
    assert.deepEqual(thr.parseThreadInfo('m03'), { done: false, ids: [{ pid: undefined, tid: 3 }] });
    assert.deepEqual(thr.parseThreadInfo('l'), { done: true });
    assert.throws(() => thr.parseThreadInfo('OK'), (e: unknown) => e instanceof ExoError && e.kind === 'protocol');
    assert.equal(thr.encodeSetThread('g', rspThread(3), 1), 'Hgp01.03');
    assert.equal(thr.encodeSetThread('c', 'all'), 'Hc-1');
  });
  it('encodes memory, breakpoint, monitor, QEMU and control packets', () => {
    assert.equal(mem.encodeRead(0xf0000n, 0x800), 'mf0000,800');
    assert.equal(mem.encodeWrite(0x7e00n, Uint8Array.of(0x90, 0xcc)), 'M7e00,2:90cc');
    assert.equal(mem.maxReadChunk(4096), 0x800);
    assert.equal(mem.maxReadChunk(0x200), 0x100);
    assert.ok(1 + 16 + 1 + 4 + 1 + 2 * mem.maxWriteChunk(4096) <= 4095);
    assert.equal(bp.encodeBreakpoint(true, 'sw', 0xfe05bn, 1), 'Z0,fe05b,1');
    assert.equal(bp.encodeBreakpoint(false, 'hw', 0x10n, 1), 'z1,10,1');
    assert.equal(bp.encodeBreakpoint(true, 'write', 0x7000n, 8), 'Z2,7000,8');
    assert.equal(bp.encodeBreakpoint(true, 'read', 0x7000n, 4), 'Z3,7000,4');
    assert.equal(bp.encodeBreakpoint(true, 'access', 0x7000n, 2), 'Z4,7000,2');
    assert.equal(encodeMonitor('info cpus'), 'qRcmd,696e666f2063707573');
    assert.equal(qemu.encodeSetSstep(7), 'Qqemu.sstep=7');
    assert.equal(qemu.parseSstep('0x7'), 7);
    assert.equal(qemu.encodePhyMemMode(true), 'Qqemu.PhyMemMode:1');
    assert.equal(ctl.encodeDetach(1), 'D;1');
    assert.equal(ctl.encodeDetach(), 'D');
    assert.equal(qx.encodeFeaturesRead('target.xml', 0x7fd, 0xffb), 'qXfer:features:read:target.xml:7fd,ffb');
  });
  it('encodes vCont: thread actions before the default, one step at most', () => {
    assert.equal(vc.encodeVCont([{ kind: 'step', thread: rspThread(2) }], 1), 'vCont;s:p01.02');
    assert.equal(vc.encodeVCont([{ kind: 'continue' }], 1), 'vCont;c');
    assert.equal(vc.encodeVCont([{ kind: 'continue' }, { kind: 'step', thread: rspThread(3) }]), 'vCont;s:03;c');
    assert.equal(vc.encodeVCont([{ kind: 'continue', thread: rspThread(1) }], 1), 'vCont;c:p01.01');
    assert.throws(() => vc.encodeVCont([{ kind: 'step', thread: rspThread(1) }, { kind: 'step', thread: rspThread(2) }]),
      (e: unknown) => e instanceof ExoError && e.kind === 'user');
    assert.throws(() => vc.encodeVCont([]));
  });
  it('reads chunked qXfer until the last chunk', async () => {
    const doc = 'x'.repeat(5000);
    const asked: string[] = [];
    const out = await qx.readFeatures(async p => {
      asked.push(p);
      const off = parseInt(/:([0-9a-f]+),/.exec(p)![1], 16);
      const chunk = doc.slice(off, off + 2045);
      return (off + 2045 >= doc.length ? 'l' : 'm') + chunk;
    }, 'target.xml', 0xffb);
    assert.equal(out, doc);
    assert.deepEqual(asked.map(a => a.split(':').pop()), ['0,ffb', '7fd,ffb', 'ffa,ffb']);
    await assert.rejects(qx.readFeatures(async () => 'E00', 'x.xml', 10), /E00/);
    await assert.rejects(qx.readFeatures(async () => 'm', 'x.xml', 10), /loop forever/);
  });
  it('decodes and patches registers by the table', () => {
    const t = buildTable([
      { name: 'rax', regnum: 0, bitsize: 64, offset: 0, feature: 'f' },
      { name: 'eflags', regnum: 1, bitsize: 32, offset: 8, feature: 'f' },
      { name: 'xmm0', regnum: 2, bitsize: 128, offset: 12, feature: 'f' },
    ]);
    assert.equal(t.gSize, 28);
    const g = new Uint8Array(28);
    g[0] = 0xef; g[7] = 0x80; g[8] = 2; g[27] = 0xff;
    const v = regs.decodeAll(t, g);
    assert.equal(v.get('rax'), 0x80000000000000efn);
    assert.equal(v.get('eflags'), 2n);
    assert.equal(v.get('xmm0'), 0xffn << 120n);
    const patched = regs.patchAll(t, g, new Map([['eflags', 0x246n]]));
    assert.equal(regs.decodeAll(t, patched).get('eflags'), 0x246n);
    assert.equal(regs.encodeWriteOne(t.byName('eflags')!, 0x246n), 'P1=46020000');
    assert.equal(regs.encodeReadOne(t.byName('xmm0')!), 'p2');
    assert.throws(() => regs.decodeAll(t, new Uint8Array(10)), (e: unknown) => e instanceof ExoError && e.kind === 'protocol');
    assert.throws(() => regs.patchAll(t, g, new Map([['nope', 1n]])), (e: unknown) => e instanceof ExoError && e.kind === 'user');
  });
});
