import * as assert from 'node:assert/strict';
import { complete, fragmentAt } from '../../../adapter/session/eval/complete';
import { Evaluator } from '../../../adapter/session/eval/evaluator';
import { makeEnv } from './fakeEnv';

const NAMES = ['task0', 'task_count', 'tick', 'CPUS', 'exo::cpu::CPUS', 'exo::cpu::cpu_count', 'exo::mm::FRAMES', 'exo::stats::COUNTER'];

describe('eval/complete', () => {
  const { env } = makeEnv();
  const ev = new Evaluator(env);
  const src = { names: NAMES, typeOf: (e: string) => ev.typeOf(e) };
  const labels = async (text: string, cursor = text.length) => (await complete(text, cursor, src)).map(i => i.label);

  it('finds the fragment at the cursor', () => {
    assert.deepEqual(fragmentAt('1 + ta', 6), { kind: 'name', prefix: 'ta', start: 4 });
    assert.deepEqual(fragmentAt('$ri', 3), { kind: 'register', prefix: 'ri', start: 1 });
    assert.deepEqual(fragmentAt('CPUS[1].cur', 11), { kind: 'member', prefix: 'cur', start: 8, object: 'CPUS[1]' });
    assert.deepEqual(fragmentAt('x + t->ne', 9), { kind: 'member', prefix: 'ne', start: 7, object: 't' });
    assert.deepEqual(fragmentAt('exo::c', 6), { kind: 'name', prefix: 'exo::c', start: 0 });
  });
  it('completes names by prefix and Rust paths one segment at a time', async () => {
    assert.deepEqual(await labels('ta'), ['task0', 'task_count']);
    assert.deepEqual(await labels('1 + ti'), ['tick']);
    assert.deepEqual(await labels('ex'), ['exo']);
    assert.deepEqual(await labels('exo::'), ['exo::cpu', 'exo::mm', 'exo::stats']);
    assert.deepEqual(await labels('exo::cpu::'), ['exo::cpu::CPUS', 'exo::cpu::cpu_count']);
    const [item] = await complete('2 * exo::m', 10, src);
    assert.deepEqual([item.text, item.start, item.length, item.type], ['exo::mm', 4, 6, 'module']);
  });
  it('completes registers after $', async () => {
    assert.deepEqual(await labels('$cr'), ['cr0', 'cr2', 'cr3', 'cr4', 'cr8']);
    assert.deepEqual(await labels('$rip + $rs'), ['rsi', 'rsp']);
  });
  it('completes fields through pointers, arrays and Rust references', async () => {
    assert.deepEqual(await labels('task0.'), ['pid', 'state', 'cpu', 'name', 'next']);
    assert.deepEqual(await labels('task0.next->n'), ['name', 'next']);
    assert.deepEqual(await labels('CPUS[0].'), ['id', 'mode', 'current', 'regs']);
    assert.deepEqual(await labels('exo::cpu::CPUS[0].current.p'), ['pid']);
    assert.deepEqual(await labels('k.'), []);
    assert.deepEqual(await labels('nosuch.'), []);
  });
});
