// The per-stop register cache: one `g` per vCPU until anything that may change registers runs.
import * as assert from 'node:assert/strict';
import type { RspClientApi, StopEvent } from '../../../adapter/rsp';
import { rspThread } from '../../../adapter/common/types';
import { cachingRegisters } from '../../../adapter/session/registerCache';

function fakeClient() {
  const calls: string[] = [];
  const stopListeners: ((e: StopEvent) => void)[] = [];
  let rip = 0x1000n;
  const client = {
    features: {},
    async readRegisters(t: number) { calls.push(`g${t}`); return new Map([['rip', rip]]); },
    async step() { rip += 2n; calls.push('step'); return { signal: 5 } as StopEvent; },
    async writeRegister(_t: number, _n: string, v: bigint) { rip = v; calls.push('P'); },
    async insertBreakpoint() { calls.push('Z0'); },
    onStop(l: (e: StopEvent) => void) { stopListeners.push(l); return () => undefined; },
  };
  return { client: client as unknown as RspClientApi, calls, stop: () => stopListeners.forEach(l => l({ signal: 5 } as StopEvent)), setRip: (v: bigint) => { rip = v; } };
}

describe('session: register cache', () => {
  it('reads each vCPU once until a step, a register write or a stop', async () => {
    const f = fakeClient();
    const c = cachingRegisters(f.client);
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
});
