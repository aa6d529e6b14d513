// Line-step plans: which instructions control leaves by (flowOf over capstone's text) and where a
// line step may stop when it runs to hidden breakpoints instead of single-stepping (planLine).
import * as assert from 'node:assert/strict';
import { flowOf, planLine, type Flow, type PlanInput, type PlanInsn } from '../../../adapter/session/execution/linePlan';
import { endsLineStep } from '../../../adapter/session/execution/lineRun';

/** A function at 0x100..0x200 given as address → [length, flow]. */
function program(code: Record<number, [number, Flow]>, stops: number[], over: Partial<PlanInput> = {}): PlanInput & { decoded: bigint[] } {
  const decoded: bigint[] = [];
  return {
    pc: 0x100n, fn: { low: 0x100n, high: 0x200n }, stepIn: false, decoded,
    isStop: a => stops.includes(Number(a)),
    decodeAt: async (a): Promise<PlanInsn | undefined> => {
      decoded.push(a);
      const c = code[Number(a)];
      return c ? { address: a, length: c[0], flow: c[1] } : undefined;
    },
    ...over,
  };
}
const next: Flow = { kind: 'next' };
const sorted = (xs: bigint[]) => [...xs].sort((a, b) => (a < b ? -1 : 1)).map(Number);

describe('session: line-step plans', () => {
  it('classifies capstone instructions by how they pass control on', () => {
    assert.deepEqual(flowOf('jmp', '0xffffffff80131186', false), { kind: 'jump', target: 0xffffffff80131186n });
    assert.deepEqual(flowOf('je', '0x1000', false), { kind: 'branch', target: 0x1000n });
    assert.deepEqual(flowOf('jrcxz', '0x20', false), { kind: 'branch', target: 0x20n });
    assert.deepEqual(flowOf('loopne', '0x20', false), { kind: 'branch', target: 0x20n });
    assert.deepEqual(flowOf('bnd jmp', '0x40', false), { kind: 'jump', target: 0x40n });
    assert.deepEqual(flowOf('call', '0xffffffff80100000', false), { kind: 'call' });
    assert.deepEqual(flowOf('call', 'qword ptr [rip + 0x1234]', false), { kind: 'call' });
    for (const [m, o] of [['jmp', 'rax'], ['notrack jmp', 'qword ptr [rax*8 + 0x10]'], ['retf', ''], ['lretq', ''],
      ['iretq', ''], ['hlt', ''], ['syscall', ''], ['sysretq', ''], ['int3', ''], ['int', '0x80'], ['ud2', ''], ['ljmp', '0x10:0x1000']]) {
      assert.deepEqual(flowOf(m, o, false), { kind: 'special' }, `${m} ${o}`);
    }
    assert.deepEqual(flowOf('ret', '', false), { kind: 'return' });
    assert.deepEqual(flowOf('repz ret', '', false), { kind: 'return' });
    assert.deepEqual(flowOf('mov', 'rax, qword ptr [rbp - 8]', false), { kind: 'next' });
    assert.deepEqual(flowOf('(bad)', '', true), { kind: 'special' });
  });

  it('a straight line stops at the next statement', async () => {
    const p = program({ 0x100: [2, next], 0x102: [3, next] }, [0x105]);
    assert.deepEqual(await planLine(p), { stops: [0x105n], specials: [], returns: [] });
  });

  it('follows branches and back edges inside the line; returns are single-stepped', async () => {
    const p = program({
      0x100: [2, next], 0x102: [2, { kind: 'branch', target: 0x130n }], 0x104: [2, { kind: 'branch', target: 0x100n }],
      0x130: [3, next], 0x133: [1, { kind: 'return' }],
    }, [0x106]);
    const plan = (await planLine(p))!;
    assert.deepEqual(sorted(plan.stops), [0x106]);
    assert.deepEqual(sorted(plan.specials), [0x133]);
    assert.deepEqual(sorted(plan.returns), [0x133], 'and known as a return');
    assert.equal(new Set(p.decoded).size, p.decoded.length, 'each instruction decoded once');
  });

  it('runs over calls when stepping over, single-steps them when stepping in', async () => {
    const code: Record<number, [number, Flow]> = { 0x100: [2, next], 0x102: [5, { kind: 'call' }], 0x107: [2, next] };
    assert.deepEqual(await planLine(program(code, [0x109])), { stops: [0x109n], specials: [], returns: [] });
    assert.deepEqual(await planLine(program(code, [0x109], { stepIn: true })), { stops: [], specials: [0x102n], returns: [] });
  });

  it('a jump out of the function is single-stepped unless it lands on a statement', async () => {
    const out = program({ 0x100: [2, next], 0x102: [5, { kind: 'jump', target: 0x9000n }] }, []);
    assert.deepEqual(await planLine(out), { stops: [], specials: [0x102n], returns: [] });
    const ontoStatement = program({ 0x100: [2, next], 0x102: [5, { kind: 'jump', target: 0x9000n }] }, [0x9000]);
    assert.deepEqual(await planLine(ontoStatement), { stops: [0x9000n], specials: [], returns: [] });
  });

  it('the instruction at pc itself may be the one to single-step', async () => {
    assert.deepEqual(await planLine(program({ 0x100: [1, { kind: 'special' }] }, [0x101])), { stops: [], specials: [0x100n], returns: [] });
  });

  it('gives no plan for a line without exits, unreadable code or too many instructions', async () => {
    assert.equal(await planLine(program({ 0x100: [2, { kind: 'jump', target: 0x100n }] }, [])), undefined);
    assert.equal(await planLine(program({ 0x100: [2, next] }, [])), undefined, '0x102 cannot be decoded');
    const long: Record<number, [number, Flow]> = {};
    for (let a = 0x100; a < 0x1f0; a++) long[a] = [1, next];
    assert.equal(await planLine(program(long, [0x1f0], { maxInstructions: 16 })), undefined);
  });

  it('a line step ends on the first instruction of another statement only', () => {
    const range = { file: 'a.rs', line: 10 };
    assert.equal(endsLineStep({ file: 'a.rs', line: 11, isStmtStart: true }, range), true);
    assert.equal(endsLineStep({ file: 'a.rs', line: 11, isStmtStart: false }, range), false, 'middle of a row');
    assert.equal(endsLineStep({ file: 'a.rs', line: 10, isStmtStart: true }, range), false, 'same line');
    assert.equal(endsLineStep({ file: 'b.rs', line: 10, isStmtStart: true }, range), true, 'other file');
    assert.equal(endsLineStep({ file: 'a.rs', line: 0, isStmtStart: true }, range), false, 'line 0');
    assert.equal(endsLineStep(undefined, range), false, 'no line');
  });
});
