import * as assert from 'node:assert/strict';
import { complete, fragmentAt, MonitorCommand, parseMonitorHelp } from '../../../adapter/session/eval/complete';
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

  it('offers locals first, then globals, then functions; a local shadows a global of the same name', async () => {
    const s2 = { names: ['tick', 'task_count', 'CPUS'], locals: ['task', 'tick'], functions: ['task_switch', 'tick_handler', 'exo::sched::tick'] };
    const items = await complete('t', 1, s2);
    assert.deepEqual(items.map(i => [i.label, i.type]), [
      ['task', 'variable'], ['tick', 'variable'], ['task_count', 'variable'], ['task_switch', 'function'], ['tick_handler', 'function'],
    ]);
    const order = [...items].sort((a, b) => (a.sortText ?? '').localeCompare(b.sortText ?? '')).map(i => i.label);
    assert.deepEqual(order, ['task', 'tick', 'task_count', 'task_switch', 'tick_handler']);
    assert.deepEqual((await complete('exo::sched::t', 13, s2)).map(i => [i.label, i.type]), [['exo::sched::tick', 'function']]);
  });

  // Lines as QEMU 7.2's monitor prints them for `help` and `help info`.
  const HELP = [
    'help|? [cmd] -- show the help',
    'i /fmt addr -- I/O port read',
    'info [subcommand] -- show various information about the system state',
    'cont|c  -- resume emulation',
    'x /fmt addr -- virtual memory dump starting at \'addr\'',
    'xp /fmt addr -- physical memory dump starting at \'addr\'',
  ].join('\n');
  const HELP_INFO = [
    'info balloon  -- show balloon information',
    'info registers [-a|vcpu] -- show the cpu registers (-a: show register info for all cpus)',
    'info tlb  -- show virtual to physical memory mappings',
    'info mem  -- show the active virtual memory mappings',
  ].join('\n');

  it('parses the monitor help into commands (aliases too) and subcommands', () => {
    assert.deepEqual(parseMonitorHelp(HELP, []).map(c => c.name), ['help', 'i', 'info', 'cont', 'c', 'x', 'xp'], '`?` is not a name');
    assert.deepEqual(parseMonitorHelp(HELP_INFO, ['info']).map(c => c.name), ['balloon', 'registers', 'tlb', 'mem']);
    assert.equal(parseMonitorHelp(HELP_INFO, ['info'])[2].help, 'show virtual to physical memory mappings');
    assert.deepEqual(parseMonitorHelp(HELP, ['x']), [], 'arguments are not subcommands');
  });

  it('completes `monitor` and its commands and info subcommands from the help, not arguments', async () => {
    const asked: string[][] = [];
    const monitor = async (path: readonly string[]): Promise<MonitorCommand[]> => {
      asked.push([...path]);
      return path.length === 0 ? parseMonitorHelp(HELP, []) : path[0] === 'info' ? parseMonitorHelp(HELP_INFO, path) : [];
    };
    const m = { names: ['mon_count'], monitor };
    const first = await complete('mon', 3, m);
    assert.deepEqual(first.map(i => [i.label, i.text, i.type]), [['monitor', 'monitor ', 'keyword'], ['mon_count', 'mon_count', 'variable']]);
    assert.deepEqual((await complete('x + mon', 7, m)).map(i => i.label), ['mon_count'], 'monitor only starts a line');
    const cmds = await complete('monitor i', 9, m);
    assert.deepEqual(cmds.map(i => [i.label, i.start, i.length]), [['i', 8, 1], ['info', 8, 1]]);
    const subs = await complete('monitor info re', 15, m);
    assert.deepEqual(subs.map(i => [i.label, i.start, i.length, i.detail]), [['registers', 13, 2, 'show the cpu registers (-a: show register info for all cpus)']]);
    assert.deepEqual((await complete('monitor info ', 13, m)).map(i => i.label), ['balloon', 'registers', 'tlb', 'mem']);
    assert.deepEqual(await complete('monitor info registers -', 24, m), []);
    assert.deepEqual(asked, [[], ['info'], ['info']]);
    assert.deepEqual(await complete('monitor x', 9, { names: [] }), [], 'no monitor source: nothing');
  });
});
