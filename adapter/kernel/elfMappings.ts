// ELF mappings as data: an ELF's PT_LOAD segments and allocated sections held against the
// live page tables of one address space: which parts are mapped, at which frames, with
// permissions that match the ELF flags or not (W+X, unmapped bss, wrong higher-half offset).
import type { ElfFile } from '../symbols';
import { PT_LOAD, SHF_ALLOC, SHF_EXECINSTR, SHF_WRITE } from '../symbols/elf/types';
import type { Translation } from '../x86/walk';

const PAGE = 0x1000n;
const PF_X = 1, PF_W = 2;

export interface Perms { readonly r: boolean; readonly w: boolean; readonly x: boolean; readonly u: boolean }
export const permText = (p: Perms) => `${p.r ? 'r' : '-'}${p.w ? 'w' : '-'}${p.x ? 'x' : '-'}${p.u ? ' user' : ''}`;

/** A run of consecutive pages with the same outcome. */
export interface PageRun {
  readonly start: bigint;
  readonly end: bigint;
  readonly mapped: boolean;
  /** First physical address of the run (mapped runs). */
  readonly phys?: bigint;
  readonly perms?: Perms;
  /** Effective permissions equal the ELF flags (R always; W and X as flagged). */
  readonly permsMatch?: boolean;
  /** phys == the ELF's load address (paddr) at the same offset (only checked for kernels QEMU loaded). */
  readonly physMatch?: boolean;
  /** Write-protected with the kernel's COW bit: writable in effect (copied on the first write). */
  readonly cow?: boolean;
}

export interface RegionMapping {
  readonly name: string;
  readonly start: bigint;
  readonly end: bigint;
  /** Where the ELF wants it in physical memory, when that is checked. */
  readonly loadAddress?: bigint;
  readonly expected: Perms;
  readonly pages: number;
  readonly mappedPages: number;
  readonly runs: readonly PageRun[];
  readonly writableExecutablePages: number;
  readonly problems: readonly string[];
}

export interface ElfMappingsResult {
  readonly file: string;
  readonly cr3: bigint;
  readonly segments: readonly RegionMapping[];
  readonly sections: readonly RegionMapping[];
  readonly problems: readonly string[];
  /** What was checked differently, and why (e.g. a per-CPU segment). */
  readonly notes: readonly string[];
}

export interface ElfMappingsOptions {
  /** Frames must sit at the ELF's paddr (a kernel QEMU loaded; not user programs). Default true. */
  readonly checkLoadAddress?: boolean;
  /** Each CPU's per-CPU area base (its kernel GS base), for a per-CPU segment linked at 0. */
  readonly perCpuBases?: readonly bigint[];
}

/**
 * Linux x86_64 links `.data..percpu` at address 0 in its own PT_LOAD: the template of every
 * CPU's per-CPU area, which lives at that CPU's GS base. Nothing is mapped at 0.
 */
function isPerCpuSegment(elf: ElfFile, vaddr: bigint, memsz: bigint): boolean {
  if (vaddr !== 0n) return false;
  const inside = elf.sectionHeaders.filter(sh => (sh.flags & SHF_ALLOC) !== 0n && sh.size > 0n && sh.addr >= vaddr && sh.addr < vaddr + memsz);
  return inside.length > 0 && inside.every(sh => sh.name.startsWith('.data..percpu'));
}

export type Translator = (virt: bigint) => Promise<Translation>;

function effective(t: Translation): Perms {
  const chain = t.steps.map(s => s.entry);
  return { r: true, w: chain.every(e => e.writable), x: !chain.some(e => e.noExecute), u: chain.every(e => e.user) };
}

const hex = (v: bigint) => '0x' + v.toString(16);

async function mapRegion(name: string, start: bigint, end: bigint, load: bigint | undefined, expected: Perms, tr: Translator): Promise<RegionMapping> {
  const runs: PageRun[] = [];
  let pages = 0, mappedPages = 0, wx = 0;
  const first = start & ~(PAGE - 1n);
  for (let va = first; va < end; va += PAGE) {
    pages++;
    const t = await tr(va);
    const mapped = t.phys !== undefined;
    let cur: PageRun;
    if (mapped) {
      mappedPages++;
      const perms = effective(t);
      if (perms.w && perms.x) wx++;
      const cow = !perms.w && t.steps[t.steps.length - 1].entry.cow;
      const permsMatch = (perms.w || cow) === expected.w && perms.x === expected.x;
      const physMatch = load === undefined ? true : t.phys === load + (va - start);
      cur = { start: va, end: va + PAGE, mapped, phys: t.phys, perms, permsMatch, physMatch, cow };
    } else {
      cur = { start: va, end: va + PAGE, mapped };
    }
    const last = runs[runs.length - 1];
    const joins = last && last.end === va && last.mapped === cur.mapped && (!cur.mapped ||
      (last.permsMatch === cur.permsMatch && last.physMatch === cur.physMatch && last.cow === cur.cow && permText(last.perms!) === permText(cur.perms!) &&
        last.phys! + (va - last.start) === cur.phys));
    if (joins) runs[runs.length - 1] = { ...last, end: cur.end };
    else runs.push(cur);
  }
  const problems: string[] = [];
  for (const r of runs) {
    const range = `${hex(r.start)}-${hex(r.end)}`;
    if (!r.mapped) { problems.push(`${name}: ${range} is not mapped`); continue; }
    if (r.perms!.w && r.perms!.x) problems.push(`${name}: ${range} is writable AND executable`);
    if (!r.permsMatch) problems.push(`${name}: ${range} is mapped ${permText(r.perms!)} but the ELF says ${permText(expected)}`);
    if (!r.physMatch) problems.push(`${name}: ${range} maps physical ${hex(r.phys!)}, expected ${hex(load! + (r.start - start))} (wrong higher-half offset?)`);
  }
  return { name, start, end, loadAddress: load, expected, pages, mappedPages, runs, writableExecutablePages: wx, problems };
}

/**
 * Segments and allocated sections of `elf` against the address space `tr` translates in.
 * `checkLoadAddress`: frames must sit at the ELF's paddr (true for a kernel QEMU loaded; user
 * programs get frames from the kernel's allocator).
 */
export async function elfMappings(elf: ElfFile, file: string, cr3: bigint, tr: Translator, opts: ElfMappingsOptions = {}): Promise<ElfMappingsResult> {
  const checkLoadAddress = opts.checkLoadAddress ?? true;
  const segments: RegionMapping[] = [];
  const notes: string[] = [];
  const loads = elf.programHeaders.filter(p => p.type === PT_LOAD && p.memsz > 0n);
  for (const [i, ph] of loads.entries()) {
    const expected = { r: true, w: (ph.flags & PF_W) !== 0, x: (ph.flags & PF_X) !== 0, u: false };
    const name = `LOAD[${i}] ${permText(expected)}`;
    if (isPerCpuSegment(elf, ph.vaddr, ph.memsz)) {
      // Each CPU's copy, at its GS base; the frames come from the kernel's allocator.
      const bases = opts.perCpuBases ?? [];
      notes.push(bases.length
        ? `${name} is the per-CPU template (.data..percpu, linked at 0): checked as each CPU's copy at its kernel GS base.`
        : `${name} is the per-CPU template (.data..percpu, linked at 0): not checked (no CPU's GS base is known).`);
      for (const [cpu, base] of bases.entries()) {
        segments.push(await mapRegion(`${name} per-CPU, CPU ${cpu}`, base, base + ph.memsz, undefined, expected, tr));
      }
      continue;
    }
    segments.push(await mapRegion(name, ph.vaddr, ph.vaddr + ph.memsz, checkLoadAddress ? ph.paddr : undefined, expected, tr));
  }
  const sections: RegionMapping[] = [];
  for (const sh of elf.sectionHeaders) {
    if ((sh.flags & SHF_ALLOC) === 0n || sh.size === 0n || sh.addr === 0n) continue;
    const seg = loads.find(p => sh.addr >= p.vaddr && sh.addr < p.vaddr + p.memsz);
    const load = !checkLoadAddress ? undefined : seg ? sh.addr - seg.vaddr + seg.paddr : sh.addr;
    const expected = { r: true, w: (sh.flags & SHF_WRITE) !== 0n, x: (sh.flags & SHF_EXECINSTR) !== 0n, u: false };
    sections.push(await mapRegion(sh.name, sh.addr, sh.addr + sh.size, load, expected, tr));
  }
  return { file, cr3, segments, sections, problems: segments.flatMap(s => s.problems), notes };
}
