// A ViewTarget over a sparse fake physical memory (for page-table tests): 4 KiB pages created
// on write, zeros elsewhere (like QEMU beyond RAM), registers per vCPU, read counting.
import type { PcDescription, ViewTarget } from '../../../adapter/kernel/target';

export class FakeMemory {
  readonly pages = new Map<bigint, Uint8Array>();
  reads = 0;

  private page(addr: bigint, create: boolean): Uint8Array | undefined {
    const base = addr & ~0xfffn;
    let p = this.pages.get(base);
    if (!p && create) { p = new Uint8Array(4096); this.pages.set(base, p); }
    return p;
  }

  write64(addr: bigint, v: bigint): void {
    const p = this.page(addr, true)!;
    new DataView(p.buffer).setBigUint64(Number(addr & 0xfffn), BigInt.asUintN(64, v), true);
  }

  read(addr: bigint, len: number): Uint8Array {
    this.reads++;
    const off = Number(addr & 0xfffn);
    if (off + len <= 4096) return this.page(addr, false)?.slice(off, off + len) ?? new Uint8Array(len);
    const out = new Uint8Array(len);
    for (let i = 0; i < len; i++) out[i] = this.page(addr + BigInt(i), false)?.[Number((addr + BigInt(i)) & 0xfffn)] ?? 0;
    return out;
  }
}

/** Long-mode registers with CR3 = `cr3`: PE|PG, PAE, LME|LMA|NXE, CS=8. */
export function longModeRegs(cr3: bigint): Map<string, bigint> {
  return new Map([['cr0', 0x8000_0011n], ['cr3', cr3], ['cr4', 0x20n], ['efer', 0xd00n], ['cs', 8n], ['eflags', 0x202n], ['rip', 0xffff_ffff_8010_0000n]]);
}

export class FakeTarget implements ViewTarget {
  running = false;
  stopToken: object = {};
  readonly regs: Map<string, bigint>[] = [];
  constructor(readonly mem: FakeMemory, cr3s: bigint[]) { for (const c of cr3s) this.regs.push(longModeRegs(c)); }
  get cpuCount(): number { return this.regs.length; }
  async readRegisters(cpu: number): Promise<ReadonlyMap<string, bigint>> { return this.regs[cpu]; }
  async readPhysical(addr: bigint, len: number): Promise<Uint8Array> { return this.mem.read(addr, len); }
  async readVirtual(): Promise<Uint8Array | undefined> { return undefined; }
  describePc(): PcDescription { return {}; }
  /** A new stop: caches must be dropped. */
  stop(): void { this.stopToken = {}; }
}
