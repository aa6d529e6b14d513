// The per-stop cache: one `g` per vCPU, and stack memory near rsp in 2 KiB chunks, until anything
// that may change registers or memory runs (step, resume, register or memory write, a stop).
import * as assert from 'node:assert/strict';
import type { MemoryRead, RspClientApi, StopEvent } from '../../../adapter/rsp';
import { rspThread, virt } from '../../../adapter/common/types';
import { cachingStopState, STACK_CHUNK } from '../../../adapter/session/stopCache';

const RSP = 0xffff_8000_0010_2468n;

function fakeClient() {
  const calls: string[] = [];
  const stopListeners: ((e: StopEvent) => void)[] = [];
  let rip = 0x1000n;
  /** Memory: byte = (addr + generation) & 0xff; pages listed in `holes` are unmapped. */
  let generation = 0n;
  const holes = new Set<bigint>();
  const client = {
    features: {},
    async readRegisters(t: number) { calls.push(`g${t}`); return new Map([['rip', rip], ['rsp', RSP]]); },
    async readVirtual(_t: number, addr: bigint, len: number): Promise<MemoryRead> {
      calls.push(`m${addr.toString(16)},${len.toString(16)}`);
      const data = new Uint8Array(len);
      for (let i = 0; i < len; i++) data[i] = Number((addr + BigInt(i) + generation) & 0xffn);
      const pages = [...holes].filter(p => p >= addr >> 12n && p <= (addr + BigInt(len) - 1n) >> 12n);
      if (pages.length) { data.fill(0); return { data, unreadable: [{ start: addr, end: addr + BigInt(len) }] }; }
      return { data, unreadable: [] };
    },
    async writeVirtual() { generation += 1n; calls.push('M'); },
    async step() { rip += 2n; calls.push('step'); return { signal: 5 } as StopEvent; },
    async writeRegister(_t: number, _n: string, v: bigint) { rip = v; calls.push('P'); },
    async insertBreakpoint() { calls.push('Z0'); },
    onStop(l: (e: StopEvent) => void) { stopListeners.push(l); return () => undefined; },
  };
  return {
    client: client as unknown as RspClientApi, calls, holes,
    stop: () => stopListeners.forEach(l => l({ signal: 5 } as StopEvent)),
    setRip: (v: bigint) => { rip = v; },
  };
}

const expected = (addr: bigint, len: number, generation = 0n) =>
  Uint8Array.from({ length: len }, (_, i) => Number((addr + BigInt(i) + generation) & 0xffn));

describe('session: per-stop cache', () => {
  it('reads each vCPU once until a step, a register write or a stop', async () => {
    const f = fakeClient();
    const c = cachingStopState(f.client);
    const t1 = rspThread(1), t2 = rspThread(2);
    assert.equal((await c.readRegisters(t1)).get('rip'), 0x1000n);
    await c.readRegisters(t1);
    await c.insertBreakpoint('sw', 0x2000n); // cannot change registers: cache kept
    await c.readRegisters(t1);
    await c.readRegisters(t2);
    assert.deepEqual(f.calls, ['g1', 'Z0', 'g2']);
    await c.step(t1);
    assert.equal((await c.readRegisters(t1)).get('rip'), 0x1002n);
    await c.writeRegister(t1, 'rip', 0x3000n);
    assert.equal((await c.readRegisters(t1)).get('rip'), 0x3000n);
    f.setRip(0x4000n); f.stop(); // a stop reply (e.g. after continue) drops everything
    assert.equal((await c.readRegisters(t1)).get('rip'), 0x4000n);
    assert.deepEqual(f.calls, ['g1', 'Z0', 'g2', 'step', 'g1', 'P', 'g1', 'g1']);
  });

  it('serves stack reads near rsp from one read of the rest of its page and reads elsewhere directly', async () => {
    const f = fakeClient();
    const c = cachingStopState(f.client);
    const t = rspThread(1);
    const base = RSP - (RSP % STACK_CHUNK);
    const a = await c.readVirtual(t, virt(RSP + 0x40n), 8);
    const b = await c.readVirtual(t, virt(RSP + 0x48n), 16);
    assert.deepEqual(a.data, expected(RSP + 0x40n, 8));
    assert.deepEqual(b.data, expected(RSP + 0x48n, 16));
    // A read across two chunks takes both (the second fetched once).
    const crossing = base + STACK_CHUNK - 4n;
    const x = await c.readVirtual(t, virt(crossing), 8);
    assert.deepEqual(x.data, expected(crossing, 8));
    await c.readVirtual(t, virt(base + STACK_CHUNK + 0x10n), 8);
    // Below rsp's chunk and past the window: direct reads of exactly what was asked.
    await c.readVirtual(t, virt(base - 8n), 8);
    await c.readVirtual(t, virt(0xffff_8000_0000_0000n), 4);
    // One read for the rest of rsp's page (the client pipelines its two chunks).
    assert.deepEqual(f.calls, ['g1', `m${base.toString(16)},1000`,
      `m${(base - 8n).toString(16)},8`, 'mffff800000000000,4']);
    // The next page is read when first touched.
    const next = base + 0x1000n + 0x10n;
    assert.deepEqual((await c.readVirtual(t, virt(next), 8)).data, expected(next, 8));
    assert.equal(f.calls[f.calls.length - 1], `m${(base + 0x1000n).toString(16)},1000`);
  });

  it('drops stack memory on a memory write, a step and a stop', async () => {
    const f = fakeClient();
    const c = cachingStopState(f.client);
    const t = rspThread(1);
    await c.readVirtual(t, virt(RSP), 8);
    await c.writeVirtual(t, virt(RSP), Uint8Array.of(1));
    assert.deepEqual((await c.readVirtual(t, virt(RSP), 8)).data, expected(RSP, 8, 1n), 'read again after the write');
    await c.step(t);
    await c.readVirtual(t, virt(RSP), 8);
    f.stop();
    await c.readVirtual(t, virt(RSP), 8);
    const chunkReads = f.calls.filter(x => x.startsWith('m'));
    assert.equal(chunkReads.length, 4, f.calls.join(' '));
  });

  it('reports an unmapped stack chunk as unreadable, as a direct read would', async () => {
    const f = fakeClient();
    const c = cachingStopState(f.client);
    const t = rspThread(1);
    const nextPage = ((RSP >> 12n) + 1n) << 12n;
    f.holes.add(nextPage >> 12n);
    const r = await c.readVirtual(t, virt(nextPage - 8n), 16);
    assert.deepEqual(r.unreadable, [{ start: nextPage, end: nextPage + 8n }]);
    assert.deepEqual(r.data.subarray(0, 8), expected(nextPage - 8n, 8));
    assert.deepEqual(r.data.subarray(8), new Uint8Array(8));
  });
});
