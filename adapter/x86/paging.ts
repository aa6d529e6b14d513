// Paging geometry per mode (32-bit, PAE, 4-level, 5-level): levels, entry sizes, large pages,
// linear-address width, canonical addresses. The table cache lives in tableCache.ts.
import { bitSet } from './bits';
import { CR4 } from './regdefs';
import { pagingMode, type PagingMode } from './cpumode';
import type { TableLevel } from './pte';

/** Reads guest physical memory (e.g. RSP `m` with PhyMemMode on). */
export type PhysReader = (addr: bigint, len: number) => Promise<Uint8Array>;

export interface PagingContext {
  readonly cr0: bigint;
  readonly cr3: bigint;
  readonly cr4: bigint;
  readonly efer: bigint;
}

export interface LevelGeometry {
  readonly level: TableLevel;
  readonly entries: number;
  readonly entrySize: 4 | 8;
  /** Virtual address bits translated below this level's index. */
  readonly shift: bigint;
  /** Whether PS=1 here means a large page. */
  readonly largePages: boolean;
}

export interface Geometry {
  readonly mode: Exclude<PagingMode, 'none'>;
  /** Physical address of the top table. */
  readonly root: bigint;
  /** Top level first. */
  readonly levels: readonly LevelGeometry[];
  /** Bits of a linear address (32, 48 or 57) — canonical sign extension above them. */
  readonly vaBits: number;
}

const L = (level: TableLevel, entries: number, entrySize: 4 | 8, shift: number, largePages: boolean): LevelGeometry =>
  ({ level, entries, entrySize, shift: BigInt(shift), largePages });

/** Table address mask QEMU uses for CR3 and entries in PAE/long mode (bits 12-49). */
export const QEMU_TABLE_MASK = 0x3_ffff_ffff_f000n;

export function geometry(ctx: PagingContext): Geometry | undefined {
  const mode = pagingMode(ctx.cr0, ctx.cr4, ctx.efer);
  switch (mode) {
    case 'none': return undefined;
    case '32-bit':
      return { mode, root: ctx.cr3 & 0xffff_f000n, vaBits: 32,
        levels: [L(2, 1024, 4, 22, bitSet(ctx.cr4, CR4.PSE)), L(1, 1024, 4, 12, false)] };
    case 'PAE':
      return { mode, root: ctx.cr3 & 0xffff_ffe0n, vaBits: 32,
        levels: [L(3, 4, 8, 30, false), L(2, 512, 8, 21, true), L(1, 512, 8, 12, false)] };
    case '4-level':
      return { mode, root: ctx.cr3 & QEMU_TABLE_MASK, vaBits: 48,
        levels: [L(4, 512, 8, 39, false), L(3, 512, 8, 30, true), L(2, 512, 8, 21, true), L(1, 512, 8, 12, false)] };
    case '5-level':
      return { mode, root: ctx.cr3 & QEMU_TABLE_MASK, vaBits: 57,
        levels: [L(5, 512, 8, 48, false), L(4, 512, 8, 39, false), L(3, 512, 8, 30, true), L(2, 512, 8, 21, true), L(1, 512, 8, 12, false)] };
  }
}

/** Sign-extends a linear address above `vaBits` (QEMU's addr_canonical). */
export function canonical(addr: bigint, vaBits: number): bigint {
  if (vaBits >= 64 || vaBits <= 32) return addr;
  const top = 1n << BigInt(vaBits - 1);
  return (addr & top) !== 0n ? BigInt.asUintN(64, addr | ~((1n << BigInt(vaBits)) - 1n)) : addr;
}

export { TableCache, type TableCacheOptions } from './tableCache';
