// The expression evaluator's environment over the live VM: registers of the selected vCPU (or
// of an outer frame as unwound), memory through RSP, and statics by name from the symbols.
import { ExoError } from '../../common/errors';
import { RspThreadId, virt } from '../../common/types';
import type { EvalEnvironment, EvalType, SymbolValue } from '../eval';
import { T } from '../eval';
import type { Runtime } from '../runtime';

const hex = (v: bigint) => '0x' + v.toString(16);

function typeForSize(size: number): EvalType {
  switch (size) {
    case 1: return T.u8;
    case 2: return T.u16;
    case 4: return T.u32;
    case 8: return T.u64;
    default: return { kind: 'array', element: T.u8, count: Math.max(size, 1) };
  }
}

/** Extra names a frame contributes (locals and arguments), looked up before globals. */
export type FrameSymbols = (name: string) => Promise<SymbolValue | undefined>;

export function vmEnvironment(rt: Runtime, thread: RspThreadId, frameRegs?: ReadonlyMap<string, bigint>, locals?: FrameSymbols): EvalEnvironment {
  let regs: Promise<ReadonlyMap<string, bigint>> | undefined;
  return {
    async register(name) {
      if (frameRegs?.has(name)) return frameRegs.get(name);
      regs ??= rt.rsp.readRegisters(thread);
      return (await regs).get(name);
    },
    async symbol(name) {
      const local = await locals?.(name);
      if (local) return local;
      const g = rt.symbols.variableAddress(name);
      if (!g) return undefined;
      return { type: typeForSize(g.size), location: { kind: 'memory', address: g.addr } };
    },
    async readMemory(address, size) {
      const r = await rt.rsp.readVirtual(thread, virt(address), size);
      if (r.unreadable.length) {
        throw new ExoError('user', `Cannot read ${size} bytes at ${hex(address)}: the address is not mapped in CPU ${thread - 1}'s page tables.`);
      }
      return r.data;
    },
    async typeByName() { return undefined; },
    symbolAt: addr => rt.symbols.dataSymbolAt(addr),
    async writeMemory(address, bytes) { await rt.rsp.writeVirtual(thread, virt(address), bytes); },
    async writeRegister(name, value) { await rt.rsp.writeRegister(thread, name, value); },
  };
}
