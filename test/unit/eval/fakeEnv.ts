// A fake debugger for the evaluator tests: sparse little-endian memory, registers, a few
// globals/locals with C and Rust-like types (structs, bitfields, arrays, pointers, enums).
import { ExoError } from '../../../adapter/common/errors';
import { writeLE } from '../../../adapter/common/hex';
import type { EvalEnvironment, SymbolValue } from '../../../adapter/session/eval/env';
import { EvalType, StructType, T, pointerTo } from '../../../adapter/session/eval/types';

export class FakeMemory {
  private readonly bytes = new Map<bigint, number>();
  reads: { address: bigint; size: number }[] = [];
  write(at: bigint, data: Uint8Array) { data.forEach((b, i) => this.bytes.set(at + BigInt(i), b)); }
  writeInt(at: bigint, v: bigint, size: number) { this.write(at, writeLE(v, size)); }
  read(at: bigint, size: number): Uint8Array {
    this.reads.push({ address: at, size });
    const out = new Uint8Array(size);
    for (let i = 0; i < size; i++) {
      const b = this.bytes.get(at + BigInt(i));
      if (b === undefined) throw new ExoError('target', `cannot read ${size} bytes at 0x${at.toString(16)}: not mapped`);
      out[i] = b;
    }
    return out;
  }
}

// struct Task { i32 pid; u32 state:3; u32 cpu:5; char name[8]; struct Task *next; }  (size 24)
export const Task: StructType = {
  kind: 'struct', name: 'struct Task', size: 24,
  fields: () => [
    { name: 'pid', offset: 0, type: T.i32 },
    { name: 'state', offset: 4, type: T.u32, bitOffset: 0, bitSize: 3 },
    { name: 'cpu', offset: 4, type: T.u32, bitOffset: 3, bitSize: 5 },
    { name: 'name', offset: 8, type: { kind: 'array', element: T.char, count: 8 } },
    { name: 'next', offset: 16, type: pointerTo(Task) },
  ],
};

export const Mode: EvalType = { kind: 'enum', name: 'Mode', size: 1, signed: false, enumerators: [{ name: 'Real', value: 0n }, { name: 'Long', value: 2n }] };

// Rust: struct exo::cpu::PerCpu { id: u32, mode: Mode, current: &Task, regs: (u64, u64) }
const Tuple: StructType = {
  kind: 'struct', name: '(u64, u64)', size: 16,
  fields: () => [{ name: '0', offset: 0, type: T.u64 }, { name: '1', offset: 8, type: T.u64 }],
};
export const PerCpu: StructType = {
  kind: 'struct', name: 'exo::cpu::PerCpu', size: 32,
  fields: () => [
    { name: 'id', offset: 0, type: T.u32 },
    { name: 'mode', offset: 4, type: Mode },
    { name: 'current', offset: 8, type: { kind: 'pointer', name: '&exo::task::Task', size: 8, target: Task } },
    { name: 'regs', offset: 16, type: Tuple },
  ],
};

export const ADDR = { task0: 0x1000n, task1: 0x1018n, cpus: 0x2000n, counter: 0x3000n, ratio: 0x3010n, page: 0xffff_8000_0000_0000n } as const;

export function makeEnv(): { env: EvalEnvironment; mem: FakeMemory; regs: Map<string, bigint> } {
  const mem = new FakeMemory();
  // Two tasks in a list: task0 (pid 1, state 2, cpu 3, "init") → task1 (pid -7, "idle") → null.
  mem.writeInt(ADDR.task0, 1n, 4);
  mem.writeInt(ADDR.task0 + 4n, 2n | (3n << 3n), 4);
  mem.write(ADDR.task0 + 8n, new TextEncoder().encode('init\0\0\0\0'));
  mem.writeInt(ADDR.task0 + 16n, ADDR.task1, 8);
  mem.writeInt(ADDR.task1, BigInt.asUintN(32, -7n), 4);
  mem.writeInt(ADDR.task1 + 4n, 1n, 4);
  mem.write(ADDR.task1 + 8n, new TextEncoder().encode('idle\0\0\0\0'));
  mem.writeInt(ADDR.task1 + 16n, 0n, 8);
  for (let i = 0; i < 4; i++) {
    const base = ADDR.cpus + BigInt(i * 32);
    mem.writeInt(base, BigInt(i), 4);
    mem.writeInt(base + 4n, i === 0 ? 2n : 0n, 1);
    mem.writeInt(base + 8n, i === 0 ? ADDR.task0 : ADDR.task1, 8);
    mem.writeInt(base + 16n, 0x1111n * BigInt(i + 1), 8);
    mem.writeInt(base + 24n, 0xffff_ffff_ffff_ffffn, 8);
  }
  mem.writeInt(ADDR.counter, 41n, 8);
  const f = new DataView(new ArrayBuffer(8)); f.setFloat64(0, 0.25, true);
  mem.write(ADDR.ratio, new Uint8Array(f.buffer));
  const regs = new Map<string, bigint>([
    ['rip', 0xffffffff80100052n], ['rsp', 0xffffffff80200ff0n], ['rbp', 0xffffffff80201000n], ['rax', 0x1122334455667788n],
    ['eflags', 0x246n], ['cr3', 0x101000n], ['cr0', 0x80010011n], ['rdi', ADDR.task0],
  ]);
  const symbols = new Map<string, SymbolValue>([
    ['task0', { type: Task, location: { kind: 'memory', address: ADDR.task0 } }],
    ['CPUS', { type: { kind: 'array', element: PerCpu, count: 4 }, location: { kind: 'memory', address: ADDR.cpus } }],
    ['exo::cpu::CPUS', { type: { kind: 'array', element: PerCpu, count: 4 }, location: { kind: 'memory', address: ADDR.cpus } }],
    ['exo::stats::COUNTER', { type: T.u64, location: { kind: 'memory', address: ADDR.counter } }],
    ['ratio', { type: T.f64, location: { kind: 'memory', address: ADDR.ratio } }],
    // A parameter living in a register, and an optimized-out-to-constant local.
    ['t', { type: pointerTo(Task), location: { kind: 'register', name: 'rdi' } }],
    ['k', { type: T.i32, location: { kind: 'value' }, bits: BigInt.asUintN(32, -5n) }],
    ['vp', { type: pointerTo(T.void), location: { kind: 'value' }, bits: ADDR.counter }],
  ]);
  const types = new Map<string, EvalType>([['struct Task', Task], ['Task', Task], ['exo::cpu::PerCpu', PerCpu], ['Mode', Mode]]);
  const env: EvalEnvironment = {
    register: async name => regs.get(name),
    symbol: async name => symbols.get(name),
    readMemory: async (a, n) => mem.read(a, n),
    typeByName: async name => types.get(name),
    writeMemory: async (a, bytes) => { mem.read(a, bytes.length); mem.write(a, bytes); },
    writeRegister: async (name, v) => { regs.set(name, v); },
  };
  return { env, mem, regs };
}
