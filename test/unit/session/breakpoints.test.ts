// Breakpoint bookkeeping: hit conditions, log message parsing/rendering, per-CPU filtering,
// site deduplication and diffing.
import * as assert from 'node:assert/strict';
import { parseHitCondition, hitConditionMet } from '../../../adapter/session/breakpoints/hitCondition';
import { parseLogMessage, renderLogMessage } from '../../../adapter/session/breakpoints/logMessage';
import { BreakpointTable, decideHit, diffSites, HitEvaluator, NewEntry } from '../../../adapter/session/breakpoints/table';
import { ExoError } from '../../../adapter/common/errors';

const src = (addr: bigint, extra: Partial<NewEntry> = {}): NewEntry =>
  ({ kind: 'source', key: '/k/main.rs', addresses: [addr], siteKind: 'sw', length: 1, ...extra });

function evaluator(values: Record<string, boolean | Error> = {}): HitEvaluator & { logs: string[] } {
  const logs: string[] = [];
  return {
    logs,
    async condition(expr) {
      const v = values[expr];
      if (v instanceof Error) throw v;
      if (v === undefined) throw new Error(`unknown ${expr}`);
      return v;
    },
    async log(parts) { logs.push(await renderLogMessage(parts, async e => `<${e}>`)); },
  };
}

describe('session/breakpoints: hit conditions', () => {
  it('parses every operator and applies it to hit counts', () => {
    const met = (t: string) => [1, 2, 3, 4, 5, 6].filter(n => hitConditionMet(parseHitCondition(t), n));
    assert.deepEqual(met('3'), [3]);
    assert.deepEqual(met('==3'), [3]);
    assert.deepEqual(met('>4'), [5, 6]);
    assert.deepEqual(met('>=4'), [4, 5, 6]);
    assert.deepEqual(met('<3'), [1, 2]);
    assert.deepEqual(met('<= 2'), [1, 2]);
    assert.deepEqual(met('%2'), [2, 4, 6]);
  });
  it('rejects nonsense with a user error', () => {
    for (const t of ['abc', '>', '%0', '3x', '']) {
      assert.throws(() => parseHitCondition(t), (e: unknown) => e instanceof ExoError && e.kind === 'user');
    }
  });
});

describe('session/breakpoints: log messages', () => {
  it('splits text and {expressions}, with {{ }} escapes', () => {
    assert.deepEqual(parseLogMessage('a={a} {{x}} b={ b->c }'), [
      { kind: 'text', text: 'a=' }, { kind: 'expr', expr: 'a' }, { kind: 'text', text: ' {x} b=' }, { kind: 'expr', expr: 'b->c' },
    ]);
  });
  it('rejects unclosed or empty braces', () => {
    assert.throws(() => parseLogMessage('x={a'), /closing/);
    assert.throws(() => parseLogMessage('x={}'), /empty/);
  });
  it('renders values and shows evaluation errors inline', async () => {
    const out = await renderLogMessage(parseLogMessage('cpu {$cpu} val {bad}!'), async e => {
      if (e === 'bad') throw new Error('no symbol "bad"');
      return '7';
    });
    assert.equal(out, 'cpu 7 val <bad: no symbol "bad">!');
  });
});

describe('session/breakpoints: table and hit decisions', () => {
  it('a per-CPU breakpoint stops only on its CPU, counting hits per CPU', async () => {
    const t = new BreakpointTable();
    const [e] = t.replace('source', '/k/main.rs', [src(0x1000n, { cpu: 2 })]);
    const ev = evaluator();
    assert.equal((await decideHit([e], 1, ev)).stop, false);
    assert.equal((await decideHit([e], 3, ev)).stop, false);
    const d = await decideHit([e], 2, ev);
    assert.equal(d.stop, true);
    assert.deepEqual(d.hitIds, [e.id]);
    assert.deepEqual([...e.hitsByCpu].sort(), [[1, 1], [2, 1], [3, 1]]);
    assert.equal(e.hits, 1);
  });
  it('condition gates before the hit count; false conditions are not counted', async () => {
    const t = new BreakpointTable();
    const [e] = t.replace('source', '/k/main.rs', [src(0x1000n, { condition: 'c', hitCondition: parseHitCondition('2') })]);
    const no = evaluator({ c: false });
    const yes = evaluator({ c: true });
    assert.equal((await decideHit([e], 0, no)).stop, false);
    assert.equal((await decideHit([e], 0, yes)).stop, false); // 1st counted hit
    assert.equal((await decideHit([e], 0, no)).stop, false);
    assert.equal((await decideHit([e], 0, yes)).stop, true);  // 2nd counted hit
    assert.equal((await decideHit([e], 0, yes)).stop, false); // 3rd
  });
  it('a failing condition stops and says why', async () => {
    const t = new BreakpointTable();
    const [e] = t.replace('source', '/k/main.rs', [src(0x1000n, { condition: 'oops' })]);
    const d = await decideHit([e], 0, evaluator({ oops: new Error('no symbol "oops"') }));
    assert.equal(d.stop, true);
    assert.match(d.conditionErrors[0], /oops.*no symbol/);
  });
  it('log points log and never stop', async () => {
    const t = new BreakpointTable();
    const [e] = t.replace('source', '/k/main.rs', [src(0x1000n, { log: parseLogMessage('at {x}') })]);
    const ev = evaluator();
    const d = await decideHit([e], 0, ev);
    assert.equal(d.stop, false);
    assert.deepEqual(ev.logs, ['at <x>']);
  });
  it('deduplicates sites shared by breakpoints and temps, and diffs them', () => {
    const t = new BreakpointTable();
    t.replace('source', '/a.rs', [src(0x10n, { key: '/a.rs' }), src(0x20n, { key: '/a.rs' })]);
    t.replace('function', undefined, [{ kind: 'function', key: 'f', addresses: [0x10n], siteKind: 'sw', length: 1 }]);
    t.replace('data', undefined, [{ kind: 'data', key: 'X', addresses: [0x900n], siteKind: 'write', length: 8 }]);
    const temp = t.addTemp(0x20n);
    t.addTemp(0x20n);
    assert.equal(t.desiredSites().size, 3);
    const installed = t.desiredSites();
    t.replace('source', '/a.rs', []);
    assert.deepEqual(diffSites(installed, t.desiredSites()).remove, []); // 0x10 by function, 0x20 by temp
    t.removeTemp(temp);
    assert.equal(t.isTemp(0x20n), true);
    t.removeTemp(temp);
    const d = diffSites(installed, t.desiredSites());
    assert.deepEqual(d.remove.map(s => s.addr), [0x20n]);
    assert.deepEqual(d.insert, []);
    assert.deepEqual(t.dataEntriesAt(0x907n).map(e => e.key), ['X']);
    assert.deepEqual(t.dataEntriesAt(0x908n), []);
  });
  it('replacing one source leaves other sources alone', () => {
    const t = new BreakpointTable();
    t.replace('source', '/a.rs', [src(0x10n, { key: '/a.rs' })]);
    t.replace('source', '/b.rs', [src(0x20n, { key: '/b.rs' })]);
    t.replace('source', '/a.rs', []);
    assert.deepEqual(t.all().map(e => e.key), ['/b.rs']);
    assert.deepEqual(t.codeEntriesAt(0x20n).map(e => e.key), ['/b.rs']);
  });
});
