// The session's Runtime as the kernel views' ViewTarget: registers and memory over RSP, the
// monitor over qRcmd, symbols from the loaded ELF; the stop token is the RSP client's last stop.
import { phys, rspThread, virt } from '../../common/types';
import * as path from 'node:path';
import type { PcDescription, ViewTarget } from '../../kernel/target';
import { UserPrograms } from '../../kernel/userPrograms';
import type { Runtime } from '../runtime';

const NO_STOP = {};
const userPrograms = new WeakMap<Runtime, UserPrograms>();

/** User ELFs live in `user/` beside the kernel symbol file (Exo-OS: build/kernel/user/). */
function programsOf(rt: Runtime): UserPrograms {
  let u = userPrograms.get(rt);
  if (!u) {
    const p = rt.symbols.path;
    u = new UserPrograms(p ? path.join(path.dirname(p), 'user') : undefined);
    userPrograms.set(rt, u);
  }
  return u;
}

export function runtimeTarget(rt: Runtime): ViewTarget {
  const sf = rt.parts.loaded.file;
  return {
    cpuCount: rt.cpus,
    running: rt.isRunning,
    symbols: sf,
    stopToken: rt.rsp.lastStop ?? NO_STOP,
    readRegisters: cpu => rt.rsp.readRegisters(rt.parts.threads[cpu] ?? rspThread(cpu + 1)),
    async readPhysical(addr, len) { return (await rt.rsp.readPhysical(phys(addr), len)).data; },
    async readVirtual(cpu, addr, len) {
      try {
        const r = await rt.rsp.readVirtual(rt.parts.threads[cpu] ?? rspThread(cpu + 1), virt(addr), len);
        return r.unreadable.length ? undefined : r.data;
      } catch { return undefined; }
    },
    monitor: command => rt.rsp.monitor(command),
    describeUserPc: (pc, program) => programsOf(rt).describe(pc, program),
    describePc(pc): PcDescription {
      if (sf && !sf.elf.sectionForAddress(pc)) return {};
      const s = rt.symbols.symbolAt(pc);
      const f = rt.symbols.functionAt(pc);
      const l = rt.symbols.lineAt(pc);
      return {
        symbol: s ? (s.offset ? `${s.name}+0x${s.offset.toString(16)}` : s.name) : undefined,
        function: f?.name, file: l?.file, line: l?.line,
      };
    },
  };
}
