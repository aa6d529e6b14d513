// The Registers scope as data: groups of register nodes with decoded children (RFLAGS bits,
// CR0/CR3/CR4/EFER fields, segment caches, x87 values, SSE vector views), built from a plain
// name → value map so it does not depend on the RSP client's types.
import { BitField, decodeFields, summarizeFlags } from './bits';
import { CR0_FIELDS, CR3_FIELDS, CR3_PCID_FIELDS, CR4_FIELDS, EFER_FIELDS, RFLAGS_FIELDS, CR4 } from './regdefs';
import { bitSet } from './bits';
import { decodeX87, formatX87, formatVector, xmmViews } from './fpvalues';
import { RegisterValues, pagingMode, reg } from './cpumode';
import { writeLE } from '../common/hex';
import type { MonitorCpuRegisters, SegmentCache } from './monitorRegs';

export interface RegisterNode {
  readonly name: string;
  /** Display text, e.g. `0xffffffff80001000` or `0x246 [ PF ZF IF ]`. */
  readonly value: string;
  /** Numeric value of scalars (also of decoded fields). */
  readonly raw?: bigint;
  readonly children?: readonly RegisterNode[];
  /** The stub register that holds this value and, for a decoded field, which bits. */
  readonly register?: string;
  readonly field?: BitField;
  /** Values that address memory (rip, rsp, bases) so the UI can open a memory view there. */
  readonly isAddress?: boolean;
}

export interface RegisterGroup {
  readonly name: string;
  readonly nodes: readonly RegisterNode[];
  /** Expensive or rarely wanted (x87, SSE): the UI should show it collapsed, on demand. */
  readonly onDemand: boolean;
}

export const GPR_NAMES = ['rax', 'rbx', 'rcx', 'rdx', 'rsi', 'rdi', 'rbp', 'rsp',
  'r8', 'r9', 'r10', 'r11', 'r12', 'r13', 'r14', 'r15'] as const;
export const SEGMENT_NAMES = ['cs', 'ss', 'ds', 'es', 'fs', 'gs'] as const;
export const X87_CONTROL_NAMES = ['fctrl', 'fstat', 'ftag', 'fiseg', 'fioff', 'foseg', 'fooff', 'fop'] as const;

export const MXCSR_FIELDS: readonly BitField[] = [
  { name: 'IE', bit: 0 }, { name: 'DE', bit: 1 }, { name: 'ZE', bit: 2 }, { name: 'OE', bit: 3 },
  { name: 'UE', bit: 4 }, { name: 'PE', bit: 5 }, { name: 'DAZ', bit: 6 }, { name: 'IM', bit: 7 },
  { name: 'DM', bit: 8 }, { name: 'ZM', bit: 9 }, { name: 'OM', bit: 10 }, { name: 'UM', bit: 11 },
  { name: 'PM', bit: 12 }, { name: 'RC', bit: 13, width: 2, description: 'rounding control' },
  { name: 'FZ', bit: 15, description: 'flush to zero' },
];

const hexn = (v: bigint, digits: number) => '0x' + v.toString(16).padStart(digits, '0');

function scalar(regs: RegisterValues, name: string, digits: number, isAddress = false): RegisterNode | undefined {
  const v = regs.get(name);
  if (typeof v !== 'bigint') return undefined;
  return { name, value: hexn(v, digits), raw: v, register: name, isAddress };
}

function fieldNodes(register: string, value: bigint, spec: readonly BitField[]): RegisterNode[] {
  return decodeFields(value, spec).map((f, i) => ({
    name: f.name,
    value: f.width === 1 ? f.value.toString() : `${f.value.toString()}${f.width > 4 ? ` (${hexn(f.value, 0)})` : ''}`,
    raw: f.value,
    register,
    field: spec[i],
  }));
}

function decoded(regs: RegisterValues, name: string, spec: readonly BitField[], digits: number): RegisterNode | undefined {
  const v = regs.get(name);
  if (typeof v !== 'bigint') return undefined;
  return { name, value: `${hexn(v, digits)} ${summarizeFlags(v, spec)}`, raw: v, register: name, children: fieldNodes(name, v, spec) };
}

function cr3Node(regs: RegisterValues): RegisterNode | undefined {
  const v = regs.get('cr3');
  if (typeof v !== 'bigint') return undefined;
  const cr4 = reg(regs, 'cr4');
  const mode = pagingMode(reg(regs, 'cr0'), cr4, reg(regs, 'efer'));
  const pcide = bitSet(cr4, CR4.PCIDE) && (mode === '4-level' || mode === '5-level');
  const spec = pcide ? CR3_PCID_FIELDS : CR3_FIELDS;
  const baseMask = mode === '32-bit' ? 0xffff_f000n : mode === 'PAE' ? 0xffff_ffe0n : 0x000f_ffff_ffff_f000n;
  const base = v & baseMask;
  const baseField: BitField = mode === 'PAE'
    ? { name: 'base', bit: 5, width: 27, description: 'PDPT physical address' }
    : { name: 'base', bit: 12, width: mode === '32-bit' ? 20 : 40, description: 'top-level table physical address' };
  const children: RegisterNode[] = [
    { name: 'base', value: hexn(base, 0), raw: base, register: 'cr3', field: baseField, isAddress: true },
    ...fieldNodes('cr3', v, spec),
  ];
  const summary = pcide ? `PCID=${Number(v & 0xfffn)}` : summarizeFlags(v, CR3_FIELDS).slice(2, -1).trim();
  return { name: 'cr3', value: `${hexn(v, 16)} [ base=${hexn(base, 0)}${summary ? ' ' + summary : ''} ]`, raw: v, register: 'cr3', children };
}

function segmentNode(regs: RegisterValues, name: string, cache?: SegmentCache): RegisterNode | undefined {
  const v = regs.get(name);
  if (typeof v !== 'bigint') return undefined;
  if (!cache) return { name, value: hexn(v, 4), raw: v, register: name };
  const children: RegisterNode[] = [
    { name: 'index', value: String(Number(v >> 3n)), raw: v >> 3n },
    { name: 'TI', value: String(Number((v >> 2n) & 1n)), raw: (v >> 2n) & 1n },
    { name: 'RPL', value: String(Number(v & 3n)), raw: v & 3n },
    { name: 'base', value: hexn(cache.base, 0), raw: cache.base, isAddress: true },
    { name: 'limit', value: hexn(BigInt(cache.limit), 0), raw: BigInt(cache.limit) },
    { name: 'attributes', value: `${hexn(BigInt(cache.flags), 8)}${cache.text ? ' ' + cache.text : ''}`, raw: BigInt(cache.flags) },
  ];
  return { name, value: `${hexn(v, 4)}${cache.text ? ' ' + cache.text : ''}`, raw: v, register: name, children };
}

/** The RSP client gives 80/128-bit registers as bigint; tests may give bytes. */
function bytesOf(regs: RegisterValues, name: string, size: number): Uint8Array | undefined {
  const v = regs.get(name);
  if (v === undefined) return undefined;
  return typeof v === 'bigint' ? writeLE(v, size) : v;
}

function x87Node(regs: RegisterValues, name: string): RegisterNode | undefined {
  const v = bytesOf(regs, name, 10);
  if (!v) return undefined;
  const x = decodeX87(v);
  const rawHex = Array.from(v).reverse().map(b => b.toString(16).padStart(2, '0')).join('');
  return {
    name, value: formatX87(x), register: name,
    children: [
      { name: 'raw', value: '0x' + rawHex },
      { name: 'sign', value: x.sign ? '1' : '0' },
      { name: 'exponent', value: hexn(BigInt(x.exponent), 4) },
      { name: 'mantissa', value: hexn(x.mantissa, 16) },
      { name: 'class', value: x.kind },
    ],
  };
}

function xmmNode(regs: RegisterValues, name: string): RegisterNode | undefined {
  const v = bytesOf(regs, name, 16);
  if (!v) return undefined;
  const views = xmmViews(v);
  const children = views.map(view => ({ name: view.name, value: formatVector(view) }));
  return { name, value: `{${children.map(c => `${c.name} = ${c.value}`).join(', ')}}`, register: name, children };
}

const defined = <T>(xs: (T | undefined)[]): T[] => xs.filter((x): x is T => x !== undefined);

/** Builds the register groups of one vCPU; `monitor` adds segment caches, GDTR/IDTR, LDTR/TR. */
export function buildRegisterGroups(regs: RegisterValues, monitor?: MonitorCpuRegisters): RegisterGroup[] {
  const general = defined<RegisterNode>([
    ...GPR_NAMES.map(n => scalar(regs, n, 16, n === 'rsp' || n === 'rbp')),
    scalar(regs, 'rip', 16, true),
    decoded(regs, 'eflags', RFLAGS_FIELDS, 8),
  ]);
  const segs = defined<RegisterNode>(SEGMENT_NAMES.map(n => segmentNode(regs, n, monitor?.segments.get(n.toUpperCase() as 'CS'))));
  if (monitor) {
    for (const [label, key] of [['ldtr', 'LDT'], ['tr', 'TR']] as const) {
      const c = monitor.segments.get(key);
      if (c) segs.push({ name: label, value: `${hexn(BigInt(c.selector), 4)} base=${hexn(c.base, 0)} limit=${hexn(BigInt(c.limit), 0)}`, raw: BigInt(c.selector) });
    }
    for (const [label, t] of [['gdtr', monitor.gdt], ['idtr', monitor.idt]] as const) {
      if (t) segs.push({ name: label, value: `base=${hexn(t.base, 0)} limit=${hexn(BigInt(t.limit), 0)}`, raw: t.base, isAddress: true });
    }
  }
  const control = defined<RegisterNode>([
    decoded(regs, 'cr0', CR0_FIELDS, 8),
    scalar(regs, 'cr2', 16, true),
    cr3Node(regs),
    decoded(regs, 'cr4', CR4_FIELDS, 8),
    scalar(regs, 'cr8', 1),
    decoded(regs, 'efer', EFER_FIELDS, 4),
  ]);
  const bases = defined<RegisterNode>(['fs_base', 'gs_base', 'k_gs_base'].map(n => scalar(regs, n, 16, true)));
  const x87 = defined<RegisterNode>([
    ...Array.from({ length: 8 }, (_, i) => x87Node(regs, `st${i}`)),
    ...X87_CONTROL_NAMES.map(n => scalar(regs, n, 4)),
  ]);
  const sse = defined<RegisterNode>([
    ...Array.from({ length: 16 }, (_, i) => xmmNode(regs, `xmm${i}`)),
    decoded(regs, 'mxcsr', MXCSR_FIELDS, 8),
  ]);
  const groups: RegisterGroup[] = [
    { name: 'General Purpose', nodes: general, onDemand: false },
    { name: 'Segments', nodes: segs, onDemand: false },
    { name: 'Control', nodes: control, onDemand: false },
    { name: 'Segment Bases', nodes: bases, onDemand: false },
    { name: 'x87', nodes: x87, onDemand: true },
    { name: 'SSE', nodes: sse, onDemand: true },
  ];
  return groups.filter(g => g.nodes.length > 0);
}
