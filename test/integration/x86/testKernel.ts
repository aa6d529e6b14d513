// Builds a tiny PVH ELF with GNU as/ld whose boot code turns on paging with tables we choose
// — long mode (4 KiB, 2 MiB and 1 GiB pages, aliases, a recursive slot, varied flags), PAE or
// 32-bit paging with 4 MiB pages — then halts at a known label. It gives the paging tests a
// real CPU state independent of Exo-OS.
import { execFileSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';

export const LOAD_ADDR = 0x100000;
/** Physical addresses of the tables (4 KiB each, in this order after LOAD_ADDR + 0x1000). */
export const TABLES = { pml4: 0x101000, pdptLow: 0x102000, pdptHigh: 0x103000, pd: 0x104000, pt: 0x105000 } as const;

const P = 1n, RW = 2n, US = 4n, PWT = 8n, PCD = 0x10n, A = 0x20n, D = 0x40n, PS = 0x80n, G = 0x100n, NX = 1n << 63n;

/** Special 4 KiB entries of the PT (index → entry); the rest map identity P|RW. */
export const SPECIAL_PTES: ReadonlyMap<number, bigint> = new Map<number, bigint>([
  [0, 0n],                                     // page 0 unmapped (null guard)
  [1, 0x1000n | P],                            // read-only
  [2, 0x2000n | P | RW | US],                  // user
  [3, 0x3000n | P | RW | PWT | PCD],           // uncached
  [4, 0x4000n | P | G],                        // global
  [5, 0x5000n | P | NX],                       // no-execute
  [6, 0x6000n | P | RW | A | D],               // accessed + dirty
  [7, 0x7000n | P | RW | PS],                  // PAT bit (bit 7 in a PTE)
  [8, 0x8000n | P | RW | (5n << 59n) | (1n << 9n) | (1n << 52n)], // pkey 5, software bits 9 and 52
  [9, 0x0dead000n | 0x3fen],                   // not present, garbage in the rest
  [10, 0x7ff_ffff_f000n | P | RW],             // far beyond RAM: reads as zeros
]);

function longTablesAsm(): string {
  const q = (v: bigint) => `  .quad 0x${BigInt.asUintN(64, v).toString(16)}`;
  const lines: string[] = [];
  const table = (label: string, entries: Map<number, bigint>) => {
    lines.push('.balign 4096', `${label}:`);
    for (let i = 0; i < 512; i++) lines.push(q(entries.get(i) ?? 0n));
  };
  const pml4 = new Map<number, bigint>([
    [0, BigInt(TABLES.pdptLow) | P | RW | US],
    [256, BigInt(TABLES.pdptLow) | P | RW],            // alias of the low half
    [510, BigInt(TABLES.pml4) | P | RW],               // recursive slot
    [511, BigInt(TABLES.pdptHigh) | P | RW],
  ]);
  const pdptLow = new Map<number, bigint>([[0, BigInt(TABLES.pd) | P | RW | US], [3, 0xc0000000n | P | RW | PS | NX]]);
  const pdptHigh = new Map<number, bigint>([[510, BigInt(TABLES.pd) | P | RW], [511, 0x40000000n | P | PS | G]]);
  const pd = new Map<number, bigint>([
    [0, BigInt(TABLES.pt) | P | RW | US],
    [1, 0x200000n | P | RW | PS | G],
    [2, 0x400000n | P | RW | US | PS | NX | D | A],
    [4, 0x800000n | P | PS | (1n << 12n)],             // 2 MiB page with PAT (bit 12)
  ]);
  const pt = new Map<number, bigint>();
  for (let i = 0; i < 512; i++) pt.set(i, SPECIAL_PTES.get(i) ?? ((BigInt(i) << 12n) | P | RW));
  table('pml4', pml4);
  table('pdpt_low', pdptLow);
  table('pdpt_high', pdptHigh);
  table('pd', pd);
  table('pt', pt);
  // 5-level paging: PML5[0] and PML5[511] both lead to the same PML4 (used only with LA57).
  table('pml5', new Map<number, bigint>([[0, BigInt(TABLES.pml4) | P | RW | US], [511, BigInt(TABLES.pml4) | P | RW]]));
  return lines.join('\n');
}

/** PAE: a 4-entry PDPT (only P may be set in PDPTEs), one PD aliased at 0xc0000000, one PT. */
function paeTablesAsm(): string {
  const q = (v: bigint) => `  .quad 0x${BigInt.asUintN(64, v).toString(16)}`;
  const lines: string[] = ['.balign 4096', 'pml4:'];
  const pd = BigInt(TABLES.pml4 + 0x1000), pt = BigInt(TABLES.pml4 + 0x2000);
  for (let i = 0; i < 512; i++) lines.push(q(i === 0 || i === 3 ? pd | P : 0n));
  const pdEntries = new Map<number, bigint>([
    [0, pt | P | RW | US], [1, 0x200000n | P | RW | PS | G], [2, 0x400000n | P | RW | US | PS | NX | D | A],
  ]);
  lines.push('.balign 4096');
  for (let i = 0; i < 512; i++) lines.push(q(pdEntries.get(i) ?? 0n));
  lines.push('.balign 4096');
  for (let i = 0; i < 512; i++) lines.push(q(SPECIAL_PTES.get(i) ?? ((BigInt(i) << 12n) | P | RW)));
  return lines.join('\n');
}

/** 32-bit paging: a PD with 4 MiB pages (CR4.PSE) and a PT for the first 4 MiB, aliased at 3 GiB. */
function bits32TablesAsm(): string {
  const l = (v: bigint) => `  .long 0x${BigInt.asUintN(32, v).toString(16)}`;
  const pt = BigInt(TABLES.pml4 + 0x1000);
  const pdEntries = new Map<number, bigint>([
    [0, pt | P | RW | US], [1, 0x400000n | P | RW | PS | G], [3, 0xc00000n | P | US | PS | D | A], [0x300, pt | P | RW],
  ]);
  const lines: string[] = ['.balign 4096', 'pml4:'];
  for (let i = 0; i < 1024; i++) lines.push(l(pdEntries.get(i) ?? 0n));
  for (let i = 0; i < 1024; i++) {
    const special = SPECIAL_PTES.get(i);
    lines.push(l(special !== undefined && special < 0x1_0000_0000n && i !== 5 && i !== 8 ? special : (BigInt(i) << 12n) | P | RW));
  }
  return lines.join('\n');
}

/**
 * `compat`: long-mode tables, but the CPU halts in a 32-bit code segment (compatibility mode).
 * `la57`: the same tables under a PML5 (needs `-cpu …,+la57`).
 */
export type TestPagingMode = 'long' | 'la57' | 'compat' | 'pae' | '32bit';

const NOTE = `
.section .note.Xen, "a", @note
.balign 4
  .long 4
  .long 8
  .long 18
  .asciz "Xen"
  .balign 4
  .quad _start32
  .balign 4
`;

/** 32-bit code that enables PAE or 32-bit paging and halts (identity-mapped). */
const legacyAsm = (mode: 'pae' | '32bit') => `${NOTE}
.section .text, "ax"
.code32
.globl _start32
_start32:
  cli
  movl $pml4, %eax
  movl %eax, %cr3
  movl %cr4, %eax
  orl $${mode === 'pae' ? '0xa0' : '0x90'}, %eax   /* PAE|PGE or PSE|PGE */
  movl %eax, %cr4
${mode === 'pae' ? `  movl $0xc0000080, %ecx
  rdmsr
  orl $0x800, %eax           /* NXE */
  wrmsr
` : ''}  movl %cr0, %eax
  orl $0x80010000, %eax      /* PG | WP */
  movl %eax, %cr0
.globl halt_here
halt_here:
  hlt
  jmp halt_here

.section .pagetables, "aw"
${mode === 'pae' ? paeTablesAsm() : bits32TablesAsm()}
`;

const longAsm = (compat: boolean, la57 = false) => `${NOTE}
.section .text, "ax"
.code32
.globl _start32
_start32:
  cli
  movl $${la57 ? 'pml5' : 'pml4'}, %eax
  movl %eax, %cr3
  movl %cr4, %eax
  orl $${la57 ? '0x10a0' : '0xa0'}, %eax   /* PAE | PGE (| LA57) */
  movl %eax, %cr4
  movl $0xc0000080, %ecx
  rdmsr
  orl $0x901, %eax           /* SCE | LME | NXE */
  wrmsr
  movl %cr0, %eax
  orl $0x80010001, %eax      /* PG | WP | PE */
  movl %eax, %cr0
  lgdt gdtr
  ljmp $0x08, $long_entry
.code64
long_entry:
  movw $0x10, %ax
  movw %ax, %ds
  movw %ax, %es
  movw %ax, %ss
${compat ? `  pushq $0x18               /* far return into the 32-bit code segment */
  pushq $compat_entry
  lretq
.code32
.globl compat_halt
compat_entry:
compat_halt:
  hlt
  jmp compat_halt
.code64` : ''}
  movabs $0xffffffff80000000 + after_high, %rax
  jmp *%rax
after_high:
.globl halt_here
halt_here:
  hlt
  jmp halt_here

.section .data, "aw"
.balign 16
gdt:
  .quad 0
  .quad 0x00af9b000000ffff   /* 0x08: 64-bit code, DPL 0 */
  .quad 0x00cf93000000ffff   /* 0x10: data */
  .quad 0x00cf9b000000ffff   /* 0x18: 32-bit code (compatibility mode) */
gdt_end:
gdtr:
  .word gdt_end - gdt - 1
  .long gdt

.section .pagetables, "aw"
${longTablesAsm()}
`;

const LDS = `
ENTRY(_start32)
SECTIONS {
  . = 0x${LOAD_ADDR.toString(16)};
  .text : { *(.text) }
  .note.Xen : { *(.note.Xen) }
  . = 0x${TABLES.pml4.toString(16)};
  .pagetables : { *(.pagetables) }
  .data : { *(.data) }
}
`;

export interface BuiltKernel { readonly dir: string; readonly elf: string; readonly haltVirt: bigint; readonly haltPhys: bigint }

/**
 * Assembles and links the kernel in a fresh temp dir. In long mode the 64-bit code jumps to its
 * higher-half alias (PML4[511] → PDPT[510] → PD[0] → PT, the low 2 MiB) and halts there; in
 * the 32-bit modes it halts at its identity-mapped address.
 */
export function buildTestKernel(mode: TestPagingMode = 'long'): BuiltKernel {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'exo-x86-kernel-'));
  fs.writeFileSync(path.join(dir, 'k.S'), mode === 'long' || mode === 'compat' || mode === 'la57' ? longAsm(mode === 'compat', mode === 'la57') : legacyAsm(mode));
  fs.writeFileSync(path.join(dir, 'k.ld'), LDS);
  execFileSync('as', ['--64', '-o', path.join(dir, 'k.o'), path.join(dir, 'k.S')], { stdio: 'pipe' });
  const elf = path.join(dir, 'k.elf');
  execFileSync('ld', ['-m', 'elf_x86_64', '-nostdlib', '-static', '-z', 'max-page-size=0x1000', '--build-id=none',
    '-T', path.join(dir, 'k.ld'), '-o', elf, path.join(dir, 'k.o')], { stdio: 'pipe' });
  const nm = execFileSync('nm', [elf], { encoding: 'utf8' });
  const label = mode === 'compat' ? 'compat_halt' : 'halt_here';
  const m = new RegExp(`^([0-9a-f]+) T ${label}$`, 'm').exec(nm);
  if (!m) throw new Error(`${label} not found in the test kernel`);
  const haltPhys = BigInt('0x' + m[1]);
  return { dir, elf, haltPhys, haltVirt: mode === 'long' || mode === 'la57' ? HIGH_ALIAS_BASE + haltPhys : haltPhys };
}

/** PML4[511] → PDPT[510] → PD[0] → PT: virtual 0xffffffff80000000 maps physical 0. */
export const HIGH_ALIAS_BASE = 0xffff_ffff_8000_0000n;
