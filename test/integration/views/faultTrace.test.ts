// The launch configuration's fault trace on Exo-OS: a hidden breakpoint on the kernel's COW
// resolver records every fault without surfacing a stop; its addresses and PTEs (before, and
// after at the resolver's return) must agree with the kernel's own COW log (an independent
// record of the same faults).
import * as assert from 'node:assert/strict';
import * as path from 'node:path';
import type { CowFaultsResponseBody } from '../../../adapter/session/views/protocol';
import { requireBuilt, ROOT, Session, waitFor } from '../adapter/harness';

const INITRD = path.join(ROOT, 'build/kernel/initrd.cpio');
const COW_BIT = 1n << 9n, RW = 2n, P = 1n;

describe('views: fault trace via hidden breakpoint (real QEMU + Exo-OS + initrd)', function () {
  this.timeout(300_000);
  before(requireBuilt);

  it('records every resolver call without stopping; the calls on COW PTEs match the kernel log (CPU, page), one per fault', async () => {
    const s = new Session();
    await s.start();
    try {
      await s.launch({ initrd: INITRD, faultTrace: { function: 'exo::memory::cow::resolve', address: 'va' } });
      await waitFor(() => /exo: init: done cow_faults=\d+/.test(s.output.join('')), 240_000, 'init to finish');
      const printed = Number(/exo: init: done cow_faults=(\d+)/.exec(s.output.join(''))![1]);
      assert.ok(s.output.join('').includes('Fault trace on exo::memory::cow::resolve'), 'the trace announced itself');
      const stop = s.nextStop();
      await s.dc.pauseRequest({ threadId: 1 });
      assert.equal((await stop).body.reason, 'pause', 'the trace never surfaced a stop');
      const r = await s.dc.customRequest('exo/cowFaults', {});
      const b = r.body as CowFaultsResponseBody;
      const trace = b.trace!;
      assert.ok(trace, 'exo/cowFaults carries the trace');
      assert.equal(b.total, String(printed));
      // resolve() also runs for writes it then rejects (page not COW): those hits see no COW bit
      const cow = trace.hits.filter(h => (BigInt(h.pteBefore ?? 0n) & (P | RW | COW_BIT)) === (P | COW_BIT));
      const others = trace.hits.filter(h => !cow.includes(h));
      assert.equal(cow.length, printed, `one COW hit per resolved COW fault; others: ${JSON.stringify(others)}`);
      for (const h of others) assert.equal(BigInt(h.pteBefore ?? 0n) & COW_BIT, 0n);
      const traced = cow.map(h => { assert.equal(h.addressError, undefined); return `${h.cpu}:${(BigInt(h.address!) & ~0xfffn).toString(16)}`; }).sort();
      const logged = b.faults.map(f => `${f.cpu}:${BigInt(f.address!).toString(16)}`).sort();
      assert.deepEqual(traced, logged, 'same CPUs and pages as the kernel log');
      for (const h of trace.hits) assert.ok(h.costMs > 0);
      // "after" is read when resolve() returns (hidden breakpoint on its return address), so
      // every record is complete, and it agrees with what the kernel logged for that fault.
      const FRAME = 0x000f_ffff_ffff_f000n;
      // Children forked from one parent fault on the same page and old frame: match as multisets.
      const logOf = new Map<string, typeof b.faults>();
      for (const f of b.faults) {
        const k = `${f.cpu}:${BigInt(f.address!).toString(16)}:${BigInt(f.oldFrame!).toString(16)}`;
        logOf.set(k, [...(logOf.get(k) ?? []), f]);
      }
      for (const h of cow) {
        assert.equal(h.afterAt, 'return', `hit ${h.seq}: after read at the return`);
        const before = BigInt(h.pteBefore!), after = BigInt(h.pteAfter!);
        assert.equal(after & (P | RW | COW_BIT), P | RW, `hit ${h.seq}: writable, COW bit cleared (${h.pteAfterFlags})`);
        const same = logOf.get(`${h.cpu}:${(BigInt(h.address!) & ~0xfffn).toString(16)}:${(before & FRAME).toString(16)}`) ?? [];
        const i = same.findIndex(x => BigInt(x.newFrame!) === (after & FRAME));
        assert.ok(i >= 0, `hit ${h.seq}: the frame after (0x${(after & FRAME).toString(16)}) is the new frame the kernel logged for this CPU, page and old frame (${same.map(x => x.newFrame).join(', ')})`);
        const f = same.splice(i, 1)[0];
        if (f.kind === 'copy') assert.notEqual(after & FRAME, before & FRAME, 'copy: a new frame');
        else assert.equal(after & FRAME, before & FRAME, 'reuse: the same frame');
      }
      assert.ok(cow.some(h => h.pteAfterFlags?.includes('RW') && !h.pteAfterFlags.includes('COW')) && cow.some(h => h.pteBeforeFlags?.includes('COW')), 'flags name the COW bit (bit 9)');
      for (const h of others) assert.equal(h.pteAfter, h.pteBefore, `hit ${h.seq}: a rejected write leaves the PTE as it was`);
      assert.deepEqual(trace.notes, []);
      assert.ok(trace.meanCostMs > 0);
      process.stdout.write(`      fault trace: ${trace.total} hits, mean ${trace.meanCostMs.toFixed(2)} ms stopped per hit (registers, unwind, address, PTE walk; return stop)\n`);
    } finally {
      await s.close();
    }
  });
});
