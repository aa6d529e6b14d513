// FaultTraceLog: a hit records registers, address and PTE before; "after" comes from the
// handler's return (complete) or, where the return is not traced, from the next stop (finish).
import * as assert from 'node:assert/strict';
import { FaultTraceLog, type TraceContext } from '../../../adapter/kernel/faultTrace';

function ctx(cpu: number, ptes: Map<bigint, bigint>, address?: bigint): TraceContext {
  return {
    cpu,
    readRegisters: async () => new Map([['rip', 0xffffffff81234560n], ['cr2', 0x7000_1234n], ['cr3', 0x1000n]]),
    evaluate: async expr => { if (address === undefined) throw new Error(`no ${expr}`); return address; },
    leafPte: async (_cr3, va) => ptes.get(va & ~0xfffn),
  };
}

describe('views: fault trace log', () => {
  it('records before at the hit and after at the return; other hits do not touch it', async () => {
    const ptes = new Map([[0x7000_1000n, 0x5000n | 0x201n]]);
    const log = new FaultTraceLog({ function: 'wp_page_copy', address: 'vmf->address' }, [0x10n]);
    const r = await log.hit(ctx(2, ptes, 0x7000_1abcn), true);
    assert.deepEqual([r.seq, r.cpu, r.cr2, r.cr3, r.address, r.pteBefore, r.pteAfter, r.afterAt], [1, 2, 0x7000_1234n, 0x1000n, 0x7000_1abcn, 0x5201n, undefined, undefined]);
    ptes.set(0x7000_1000n, 0x9000n | 0x63n);
    await log.hit(ctx(1, ptes, 0x7000_1000n), true); // another CPU's hit: r is still waiting for its return
    assert.equal(r.pteAfter, undefined);
    const before = r.costMs;
    await log.complete(r, async (cr3, va) => { assert.equal(cr3, 0x1000n); return ptes.get(va & ~0xfffn); }, 2);
    assert.deepEqual([r.pteAfter, r.afterAt], [0x9063n, 'return']);
    assert.ok(r.costMs >= before + 2, 'the return stop adds to the cost');
    assert.equal(log.total, 2);
  });

  it('without a traced return, "after" is read at the next hit or stop; an address error is kept', async () => {
    const ptes = new Map([[0x7000_1000n, 0x5201n]]);
    const log = new FaultTraceLog({ function: 'f' }, [0x10n]);
    const r = await log.hit(ctx(0, ptes), false);
    assert.match(r.addressError!, /no \$cr2/);
    assert.equal(r.pteBefore, 0x5201n, 'CR2 stands in for the address');
    ptes.set(0x7000_1000n, 0x8063n);
    await log.finish(async (_c, va) => ptes.get(va & ~0xfffn));
    assert.deepEqual([r.pteAfter, r.afterAt], [0x8063n, 'stop']);
  });
});
