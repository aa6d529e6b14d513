// Idle-time work of the inspector: slices run one per event-loop turn and only while allowed
// (idleSlices), stop rehearsals on synthetic frames never touch the target (warm), and a stop's
// inspection counts as done once the client fetched what was prefetched (burst).
import * as assert from 'node:assert/strict';
import { rspThread } from '../../../adapter/common/types';
import { IdleSlices, type SliceGate } from '../../../adapter/session/inspect/idleSlices';
import { InspectionBurst } from '../../../adapter/session/inspect/burst';
import { StopRehearsal, syntheticMemory, syntheticRegisters } from '../../../adapter/session/inspect/warm';
import { SourcePaths } from '../../../adapter/session/inspect/sources';
import { noSymbols } from '../../../adapter/session/symbolsPort';
import type { Frame } from '../../../adapter/session/inspect/stack';

const turn = () => new Promise<void>(r => setImmediate(r));
const turns = async (n: number) => { for (let i = 0; i < n; i++) await turn(); };
const T1 = rspThread(1), T2 = rspThread(2);

describe('session/inspect idle work', () => {
  describe('IdleSlices', () => {
    it('runs one slice per event-loop turn, letting callbacks queued meanwhile in between', async () => {
      const log: string[] = [];
      const s = new IdleSlices(() => 'run');
      s.add([() => { log.push('a'); setImmediate(() => log.push('io')); }, () => { log.push('b'); }, () => { log.push('c'); }]);
      await turns(6);
      assert.deepEqual(log, ['a', 'io', 'b', 'c']);
      assert.equal(s.pending, 0);
    });

    it('waits while stopped and resumes on kick; a throwing slice does not stop the rest', async () => {
      let gate: SliceGate = 'stop';
      const log: string[] = [];
      const s = new IdleSlices(() => gate);
      s.add([() => { throw new Error('boom'); }, () => { log.push('b'); }]);
      await turns(4);
      assert.equal(s.pending, 2);
      gate = 'run';
      s.kick();
      await turns(4);
      assert.deepEqual(log, ['b']);
      assert.equal(s.pending, 0);
    });

    it("asks again by itself while the gate says 'wait' (the VM is about to run)", async () => {
      let gate: SliceGate = 'wait';
      const log: string[] = [];
      const s = new IdleSlices(() => gate);
      s.add([() => { log.push('a'); }]);
      await new Promise(r => setTimeout(r, 10));
      assert.deepEqual(log, []);
      gate = 'run';
      await new Promise(r => setTimeout(r, 10));
      assert.deepEqual(log, ['a']);
    });

    it('stops between slices when the permission goes away (the VM stopped)', async () => {
      let gate: SliceGate = 'run';
      const log: string[] = [];
      const s = new IdleSlices(() => gate);
      s.add([() => { log.push('a'); gate = 'stop'; }, () => { log.push('b'); }]);
      await turns(4);
      assert.deepEqual(log, ['a']);
      assert.equal(s.pending, 1);
    });
  });

  describe('synthetic stop', () => {
    it('memory is zeros except aligned 8-byte words near the synthetic sp (the return address)', async () => {
      const sp = syntheticRegisters(0x1000n).get('rsp')!;
      const read = syntheticMemory(0xffff_ffff_8010_0001n);
      assert.deepEqual([...await read(sp + 0x18n, 8)], [0x01, 0x00, 0x10, 0x80, 0xff, 0xff, 0xff, 0xff]);
      assert.deepEqual([...await read(sp + 0x18n, 16)], new Array(16).fill(0), 'other sizes read zeros');
      assert.deepEqual([...await read(sp + 0x1cn, 8)], new Array(8).fill(0), 'unaligned reads zeros');
      assert.deepEqual([...await read(sp + 0x1000n, 8)], new Array(8).fill(0), 'far from sp reads zeros');
      assert.deepEqual([...await syntheticMemory(undefined)(sp, 8)], new Array(8).fill(0));
    });

    it('rehearses each site once (rounds at a time), only while the gate is open, with synthetic registers', async () => {
      let gate: SliceGate = 'stop';
      const built: bigint[] = [];
      const rendered: string[] = [];
      const frames = async (regs: ReadonlyMap<string, bigint>, read: (a: bigint, n: number) => Promise<Uint8Array>): Promise<Frame[]> => {
        built.push(regs.get('rip')!);
        // The unwinder reads the return address through the synthetic memory: never the target.
        const ra = await read(regs.get('rsp')!, 8);
        assert.equal(ra.length, 8);
        return [{ pc: regs.get('rip')!, lookupPc: regs.get('rip')!, regs, function: 'f', file: '/nonexistent/f.rs', line: 3 }];
      };
      const r = new StopRehearsal({
        frames, render: async (f, which) => { rendered.push(`${f.pc.toString(16)}:${which}`); },
        symbols: noSymbols(), sources: new SourcePaths(async () => undefined), gate: () => gate, callerPc: () => 0x5000n,
      });
      r.rehearse([0x1000n], 3);
      r.rehearse([0x1000n, 0x2000n]);
      await turns(20);
      assert.deepEqual(built, [], 'nothing runs while the gate is closed');
      gate = 'run';
      r.kick();
      await turns(60);
      assert.deepEqual(built, [0x1000n, 0x1000n, 0x1000n, 0x2000n]);
      assert.deepEqual(rendered.slice(0, 2), ['1000:params', '1000:locals']);
      assert.equal(r.pending, 0);
      // Inside a request: at once, each new site once.
      await r.rehearseNow([0x2000n, 0x3000n, 0x3000n]);
      assert.deepEqual(built.slice(4), [0x3000n]);
    });
  });

  describe('InspectionBurst', () => {
    it('is done once every prefetched part was served, for that thread only', async () => {
      const b = new InspectionBurst(10_000);
      b.start(T1, ['stack', 'params', 'locals']);
      let done = false;
      void b.done(T1).then(() => { done = true; });
      b.served(T1, 'stack');
      b.served(T2, 'params');
      b.served(T1, 'params');
      await turns(2);
      assert.equal(done, false, 'locals not served yet; T2 does not count');
      b.served(T1, 'locals');
      await turns(2);
      assert.equal(done, true);
      await b.done(T2); // another vCPU's stop is not tracked: resolves at once
    });

    it('ends after its timeout, or when the next stop starts', async () => {
      const b = new InspectionBurst(20);
      b.start(T1, ['stack']);
      const t0 = Date.now();
      await b.done(T1);
      assert.ok(Date.now() - t0 >= 15);
      const c = new InspectionBurst(60_000);
      c.start(T1, ['stack']);
      const first = c.done(T1);
      c.start(T1, ['stack']);
      await first;
    });
  });
});
