// Parser for QEMU's `info registers [-a]` monitor output: what the gdbstub does not expose
// (segment bases, limits and attributes, GDTR/IDTR, LDTR/TR, HLT state, DR0-7).
// Segment line layout (target/i386/cpu-dump.c): `CS =sel base limit flags [DPL=n CS64 [-RA]]`,
// where `flags` is the descriptor attribute word masked with 0x00ffff00 (type, S, DPL, P, L, D/B, G).
import { ExoError } from '../common/errors';

export interface SegmentCache {
  readonly selector: number;
  readonly base: bigint;
  readonly limit: number;
  /** Raw attribute word as QEMU prints it (bits 8-23 of the descriptor's high dword). */
  readonly flags: number;
  readonly present: boolean;
  readonly dpl: number;
  /** S=1: code or data segment; S=0: system segment (LDT, TSS, gates). */
  readonly codeOrData: boolean;
  readonly code: boolean;
  /** CS.L: 64-bit code segment. */
  readonly long: boolean;
  /** D/B: 32-bit default operand size (code) or big stack (data). */
  readonly big: boolean;
  readonly granularity: boolean;
  /** Type nibble (bits 8-11). */
  readonly type: number;
  /** QEMU's text after the numbers, e.g. `DPL=0 CS64 [-RA]`, '' when absent. */
  readonly text: string;
}

export interface TableRegister { readonly base: bigint; readonly limit: number }

export interface MonitorCpuRegisters {
  /** vCPU index as QEMU prints it after `CPU#` (0 when the output has no header). */
  readonly cpu: number;
  /** Every `NAME=hex` value of the dump, upper-case names (RAX, RIP, EFL, CR0, EFER, DR7…). */
  readonly values: ReadonlyMap<string, bigint>;
  readonly segments: ReadonlyMap<'ES' | 'CS' | 'SS' | 'DS' | 'FS' | 'GS' | 'LDT' | 'TR', SegmentCache>;
  readonly gdt?: TableRegister;
  readonly idt?: TableRegister;
  /** HLT=1: the vCPU executed HLT and waits for an interrupt. */
  readonly halted: boolean;
  readonly cpl?: number;
  /** True when QEMU printed 64-bit register names (RAX…), i.e. the CPU runs 64-bit code. */
  readonly wide: boolean;
}

const SEG_RE = /^(ES|CS|SS|DS|FS|GS|LDT|TR) ?=([0-9a-f]{4}) ([0-9a-f]{8,16}) ([0-9a-f]{8}) ([0-9a-f]{8})(.*)$/;
const TABLE_RE = /^(GDT|IDT)= +([0-9a-f]{8,16}) ([0-9a-f]{8})/;
const VALUE_RE = /\b([A-Z][A-Z0-9]*) ?=([0-9a-f]+)\b/g;

export function decodeSegmentFlags(selector: number, base: bigint, limit: number, flags: number, text = ''): SegmentCache {
  const bit = (n: number) => ((flags >>> n) & 1) === 1;
  const codeOrData = bit(12);
  return {
    selector, base, limit, flags, text,
    present: bit(15),
    dpl: (flags >>> 13) & 3,
    codeOrData,
    code: codeOrData && bit(11),
    long: bit(21),
    big: bit(22),
    granularity: bit(23),
    type: (flags >>> 8) & 0xf,
  };
}

function parseOne(cpu: number, lines: string[]): MonitorCpuRegisters {
  const values = new Map<string, bigint>();
  const segments = new Map<SegmentCacheName, SegmentCache>();
  let gdt: TableRegister | undefined;
  let idt: TableRegister | undefined;
  for (const raw of lines) {
    const line = raw.replace(/\r$/, '');
    const seg = SEG_RE.exec(line);
    if (seg) {
      segments.set(seg[1] as SegmentCacheName, decodeSegmentFlags(
        parseInt(seg[2], 16), BigInt('0x' + seg[3]), parseInt(seg[4], 16), parseInt(seg[5], 16), seg[6].trim()));
      continue;
    }
    const table = TABLE_RE.exec(line);
    if (table) {
      const t = { base: BigInt('0x' + table[2]), limit: parseInt(table[3], 16) };
      if (table[1] === 'GDT') gdt = t; else idt = t;
      continue;
    }
    for (const m of line.matchAll(VALUE_RE)) {
      // XMM/FPR lines carry two numbers per name; the first is enough for lookups by name.
      if (!values.has(m[1])) values.set(m[1], BigInt('0x' + m[2]));
    }
  }
  if (!segments.has('CS') || !(values.has('RIP') || values.has('EIP'))) {
    throw new ExoError('protocol', `'info registers' output for CPU ${cpu} has no CS/RIP line: not QEMU's x86 register dump?`);
  }
  const hlt = values.get('HLT');
  const cpl = values.get('CPL');
  return {
    cpu, values, segments, gdt, idt,
    halted: hlt === 1n,
    cpl: cpl === undefined ? undefined : Number(cpl),
    wide: values.has('RIP'),
  };
}

type SegmentCacheName = 'ES' | 'CS' | 'SS' | 'DS' | 'FS' | 'GS' | 'LDT' | 'TR';

/**
 * Parses `info registers` (one CPU, no header) or `info registers -a` (blocks led by `CPU#n`).
 * Throws a 'protocol' ExoError when the text is not a register dump.
 */
export function parseInfoRegisters(text: string): MonitorCpuRegisters[] {
  const lines = text.split('\n');
  const blocks: { cpu: number; lines: string[] }[] = [];
  let current: { cpu: number; lines: string[] } | undefined;
  for (const line of lines) {
    const header = /^CPU#(\d+)/.exec(line.trim());
    if (header) {
      current = { cpu: Number(header[1]), lines: [] };
      blocks.push(current);
      continue;
    }
    if (!current) {
      if (line.trim() === '') continue;
      current = { cpu: 0, lines: [] };
      blocks.push(current);
    }
    current.lines.push(line);
  }
  if (blocks.length === 0) throw new ExoError('protocol', "'info registers' output is empty");
  return blocks.map(b => parseOne(b.cpu, b.lines));
}
