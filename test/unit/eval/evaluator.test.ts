import * as assert from 'node:assert/strict';
import * as fc from 'fast-check';
import { Evaluator } from '../../../adapter/session/eval/evaluator';
import { formatValue, memoryReference } from '../../../adapter/session/eval/format';
import { typeName } from '../../../adapter/session/eval/types';
import { ADDR, makeEnv } from './fakeEnv';

describe('eval/evaluator: arithmetic', () => {
  const { env } = makeEnv();
  const ev = new Evaluator(env);
  const val = async (s: string) => formatValue(await ev.evaluate(s));
  const type = async (s: string) => typeName((await ev.evaluate(s)).type);

  it('computes C integer arithmetic with C literal types', async () => {
    assert.equal(await val('1 + 2 * 3'), '7');
    assert.equal(await val('(1 + 2) * 3'), '9');
    assert.equal(await val('7 / 2'), '3');
    assert.equal(await val('-7 / 2'), '-3');
    assert.equal(await val('-7 % 3'), '-1');
    assert.equal(await val('1 << 40'), '0');               // int shift overflows like C's int (wraps to 32 bits)
    assert.equal(await val('1ul << 40'), '1099511627776');
    assert.equal(await val('0xffffffff'), '4294967295');
    assert.equal(await type('0xffffffff'), 'unsigned int');
    assert.equal(await type('2147483648'), 'long');
    assert.equal(await type('0xffffffffffffffff'), 'unsigned long');
    assert.equal(await val('-1 < 0u'), '0');                // -1 converts to unsigned
    assert.equal(await val('-1 < 0'), '1');
    assert.equal(await val('~0'), '-1');
    assert.equal(await val('(u8)0x1ff'), '255');
    assert.equal(await val('(i8)0xff'), '-1');
    assert.equal(await val('(u64)-1'), '18446744073709551615');
    assert.equal(await val("'A' + 1"), '66');
    assert.equal(await val('!5'), '0');
    assert.equal(await val('3 > 2 && 2 > 1'), '1');
    assert.equal(await val('0 || 0'), '0');
    assert.equal(await val('1 ? 10 : 20'), '10');
    assert.equal(await val('0x10 | 0x01 ^ 0x03'), '18');
    assert.equal(await val('255u8'), '255');
  });
  it('agrees with BigInt on random 64-bit unsigned arithmetic', async () => {
    await fc.assert(fc.asyncProperty(fc.bigInt({ min: 0n, max: (1n << 64n) - 1n }), fc.bigInt({ min: 1n, max: (1n << 64n) - 1n }), async (a, b) => {
      const m = (1n << 64n) - 1n;
      const r = async (op: string) => (await ev.evaluate(`0x${a.toString(16)}ul ${op} 0x${b.toString(16)}ul`)).bits;
      assert.equal(await r('+'), (a + b) & m);
      assert.equal(await r('-'), (a - b) & m);
      assert.equal(await r('*'), (a * b) & m);
      assert.equal(await r('/'), a / b);
      assert.equal(await r('&'), a & b);
    }), { numRuns: 100 });
  });
  it('does float arithmetic and conversions', async () => {
    assert.equal(await val('1.5 * 2'), '3');
    assert.equal(await val('ratio * 4'), '1');
    assert.equal(await val('(int)2.9'), '2');
    assert.equal(await val('(f64)7 / 2'), '3.5');
    assert.equal(await val('1.0 / 0'), 'inf');
  });
  it('gives one-sentence errors', async () => {
    await assert.rejects(ev.evaluate('1 / 0'), /division by zero/);
    await assert.rejects(ev.evaluate('nosuch + 1'), /no symbol 'nosuch' in the current context/);
    await assert.rejects(ev.evaluate('$nosuch'), /no register \$nosuch/);
    await assert.rejects(ev.evaluate('(struct Nope *)0'), /no type named 'struct Nope'/);
    await assert.rejects(ev.evaluate('1.5 & 1'), /needs integers/);
    await assert.rejects(ev.evaluate('task0 + 1'), /struct Task is not a number or pointer/);
  });
});

describe('eval/evaluator: registers', () => {
  const { env } = makeEnv();
  const ev = new Evaluator(env);
  it('reads $registers, aliases and sub-registers', async () => {
    assert.equal((await ev.evaluate('$rip')).bits, 0xffffffff80100052n);
    assert.equal((await ev.evaluate('$pc')).bits, 0xffffffff80100052n);
    assert.equal((await ev.evaluate('$cr3 & ~0xfff')).bits, 0x101000n);
    assert.equal((await ev.evaluate('$eax')).bits, 0x55667788n);
    assert.equal((await ev.evaluate('$ah')).bits, 0x77n);
    assert.equal((await ev.evaluate('$eflags & 0x200')).bits, 0x200n);
    assert.equal(typeName((await ev.evaluate('$eflags')).type), 'u32');
    assert.equal((await ev.evaluate('$rsp + 8')).bits, 0xffffffff80200ff8n);
    const rip = await ev.evaluate('$rip');
    assert.deepEqual(rip.location, { kind: 'register', name: 'rip' });
  });
  it('casts a register to a struct pointer and follows it', async () => {
    assert.equal(formatValue(await ev.evaluate('((struct Task *)$rdi)->pid')), '1');
    assert.equal(formatValue(await ev.evaluate('((Task *)$rdi)->next->pid')), '-7');
    await assert.rejects(ev.evaluate('&$rip'), /cannot take the address of register \$rip/);
  });
});

describe('eval/evaluator: memory, structs, pointers, arrays', () => {
  it('reads struct fields, bitfields and char arrays lazily', async () => {
    const { env, mem } = makeEnv();
    const ev = new Evaluator(env);
    const task = await ev.evaluate('task0');
    assert.equal(formatValue(task), '{…}');
    assert.equal(mem.reads.length, 0, 'an aggregate is not read until a scalar is needed');
    assert.equal(formatValue(await ev.evaluate('task0.pid')), '1');
    assert.equal(formatValue(await ev.evaluate('task0.state')), '2');
    assert.equal(formatValue(await ev.evaluate('task0.cpu')), '3');
    assert.equal(formatValue(await ev.evaluate('task0.name[0]')), "105 'i'");
    assert.equal(formatValue(await ev.evaluate('task0.next->name[1]')), "100 'd'");
    assert.equal(formatValue(await ev.evaluate('task0.next->next')), '(struct Task *) 0x0');
  });
  it('does pointer arithmetic scaled by the pointee, and pointer differences', async () => {
    const { env } = makeEnv();
    const ev = new Evaluator(env);
    assert.equal((await ev.evaluate('&task0 + 1')).bits, ADDR.task0 + 24n);
    assert.equal((await ev.evaluate('(&task0 + 1)->pid')).bits, BigInt.asUintN(32, -7n));
    assert.equal(formatValue(await ev.evaluate('task0.next - &task0')), '1');
    assert.equal((await ev.evaluate('&CPUS[2]')).bits, ADDR.cpus + 64n);
    assert.equal((await ev.evaluate('CPUS + 1')).bits, ADDR.cpus + 32n);  // arrays decay to pointers
    assert.equal((await ev.evaluate('(u8 *)&task0 + 1')).bits, ADDR.task0 + 1n);
    assert.equal((await ev.evaluate('&task0.next')).bits, ADDR.task0 + 16n);
    assert.equal(formatValue(await ev.evaluate('*(u64 *)0x3000')), '41');
    assert.equal(formatValue(await ev.evaluate('((u64 *)0x3000)[0] + 1')), '42');
    assert.equal(formatValue(await ev.evaluate('*(u64 *)vp')), '41');
    assert.equal((await ev.evaluate('(u64)&task0 & ~0xfff')).bits, 0x1000n);
    assert.equal((await ev.evaluate('task0.next & ~0xfff')).bits, 0x1000n);
    assert.equal((await ev.evaluate('0xff & task0.next')).bits, 0x18n);
    assert.equal((await ev.evaluate('task0.next >> 4')).bits, 0x101n);
    await assert.rejects(ev.evaluate('task0.next % 0'), /division by zero/);
    await assert.rejects(ev.evaluate('task0.next * 2'), /operator \* is not defined on a pointer/);
    assert.equal(formatValue(await ev.evaluate('task0.next != 0')), '1');
  });
  it('follows Rust paths, references with ".", tuple fields and enums', async () => {
    const { env } = makeEnv();
    const ev = new Evaluator(env);
    assert.equal(formatValue(await ev.evaluate('exo::cpu::CPUS[0].current.pid')), '1');
    assert.equal(formatValue(await ev.evaluate('exo::cpu::CPUS[1].current->pid')), '-7');
    assert.equal(formatValue(await ev.evaluate('exo::cpu::CPUS[2].regs.0'), { hex: true }), '0x3333');
    assert.equal(formatValue(await ev.evaluate('CPUS[3].regs.1 + 1')), '0');
    assert.equal(formatValue(await ev.evaluate('CPUS[0].mode')), 'Long');
    assert.equal(formatValue(await ev.evaluate('CPUS[1].mode')), 'Real');
    assert.equal(formatValue(await ev.evaluate('exo::stats::COUNTER + 1')), '42');
    assert.equal(formatValue(await ev.evaluate('sizeof(exo::cpu::PerCpu)')), '32');
    assert.equal(formatValue(await ev.evaluate('sizeof CPUS')), '128');
    assert.equal(formatValue(await ev.evaluate('sizeof(u16 *)')), '8');
  });
  it('reads register- and value-located variables', async () => {
    const { env } = makeEnv();
    const ev = new Evaluator(env);
    assert.equal(formatValue(await ev.evaluate('t->pid')), '1');
    assert.equal(formatValue(await ev.evaluate('k')), '-5');
    assert.equal(formatValue(await ev.evaluate('k * 2')), '-10');
    assert.equal(memoryReference(await ev.evaluate('t')), '0x1000');
    assert.equal(memoryReference(await ev.evaluate('task0')), '0x1000');
  });
  it('explains misuse and unmapped memory in one sentence', async () => {
    const { env } = makeEnv();
    const ev = new Evaluator(env);
    await assert.rejects(ev.evaluate('task0.nope'), /struct Task has no field 'nope'; fields: pid, state, cpu, name, next/);
    await assert.rejects(ev.evaluate('task0->pid'), /'->' needs a pointer/);
    await assert.rejects(ev.evaluate('*k'), /cannot dereference a i32: cast it to a pointer first/);
    await assert.rejects(ev.evaluate('*vp'), /cannot dereference a void pointer/);
    await assert.rejects(ev.evaluate('CPUS[4]'), /index 4 is out of bounds/);
    await assert.rejects(ev.evaluate('k[1]'), /cannot index a i32/);
    await assert.rejects(ev.evaluate('*(u64 *)0xdead0000'), /cannot read 8 bytes at 0xdead0000: not mapped/);
    await assert.rejects(ev.evaluate('&task0.state'), /address of a bitfield/);
  });
});

describe('eval/evaluator: assignment', () => {
  it('writes memory, bit fields and pointers targets with conversion to the target type', async () => {
    const { env, mem } = makeEnv();
    const ev = new Evaluator(env);
    assert.equal(formatValue(await ev.evaluate('exo::stats::COUNTER = 5 * 2')), '10');
    assert.equal(formatValue(await ev.evaluate('exo::stats::COUNTER')), '10');
    assert.equal(formatValue(await ev.evaluate('task0.pid = -3')), '-3');
    assert.equal(formatValue(await ev.evaluate('task0.cpu = 33')), '1');  // 5-bit field keeps the low bits
    assert.equal(formatValue(await ev.evaluate('task0.state')), '2', 'the neighbouring bit field is untouched');
    assert.equal(formatValue(await ev.evaluate('task0.next->pid = 99')), '99');
    assert.equal(mem.read(ADDR.task1, 4)[0], 99);
    assert.equal(formatValue(await ev.evaluate('ratio = 3')), '3');
    assert.equal(formatValue(await ev.evaluate('*(u8 *)0x3000 = 0x1ff')), '255');
  });
  it('writes registers and sub-registers into their parent', async () => {
    const { env, regs } = makeEnv();
    const ev = new Evaluator(env);
    assert.equal((await ev.evaluate('$rax = 0x10')).bits, 0x10n);
    assert.equal(regs.get('rax'), 0x10n);
    regs.set('rax', 0x1122334455667788n);
    assert.equal((await ev.evaluate('$ah = 0xab')).bits, 0xabn);
    assert.equal(regs.get('rax'), 0x112233445566ab88n);
    assert.equal((await ev.evaluate('$eax = -1')).bits, 0xffffffffn);
    assert.equal(regs.get('rax'), 0x11223344ffffffffn);
  });
  it('refuses what cannot be assigned, in one sentence', async () => {
    const { env } = makeEnv();
    const ev = new Evaluator(env);
    await assert.rejects(ev.evaluate('task0 = 1'), /cannot assign to a struct Task/);
    await assert.rejects(ev.evaluate('k = 1'), /cannot assign to a computed value/);
    await assert.rejects(ev.evaluate('1 = 2'), /cannot assign to a computed value/);
    const ro = new Evaluator({ ...env, writeMemory: undefined, writeRegister: undefined });
    await assert.rejects(ro.evaluate('exo::stats::COUNTER = 1'), /cannot write memory/);
    await assert.rejects(ro.evaluate('$rax = 1'), /cannot write registers/);
  });
});
