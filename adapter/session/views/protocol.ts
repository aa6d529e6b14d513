// DAP custom requests of the kernel views (`exo/cpus`, `exo/pageTable`, `exo/translate`,
// `exo/elfMappings`, `exo/cowFaults`): argument and response-body types, JSON only (64-bit
// values as "0x…" strings). Shared by the session, the CLI, the extension and tests.

export type Hex = string;

export const VIEW_REQUESTS = {
  cpus: 'exo/cpus',
  pageTable: 'exo/pageTable',
  translate: 'exo/translate',
  elfMappings: 'exo/elfMappings',
  cowFaults: 'exo/cowFaults',
} as const;
export type ViewCommand = typeof VIEW_REQUESTS[keyof typeof VIEW_REQUESTS];

export type CpusArguments = Record<string, never>;

export interface DecodedRegisterBody { value: Hex; flags: string }

export interface CpuBody {
  cpu: number;
  /** DAP thread id of this vCPU. */
  threadId: number;
  name: string;
  state: 'running' | 'stopped' | 'halted';
  mode?: 'real' | 'virtual-8086' | 'protected' | 'compatibility' | 'long';
  /** False when long vs compatibility mode was guessed (no monitor). */
  modeCertain?: boolean;
  cpl?: number;
  interruptsEnabled?: boolean;
  paging?: 'none' | '32-bit' | 'PAE' | '4-level' | '5-level';
  bits?: 16 | 32 | 64;
  rip?: Hex;
  /** CS base + IP outside long mode. */
  linearPc?: Hex;
  symbol?: string;
  function?: string;
  file?: string;
  line?: number;
  cr0?: DecodedRegisterBody;
  cr3?: DecodedRegisterBody & { base: Hex; pcid?: number };
  cr4?: DecodedRegisterBody;
  efer?: DecodedRegisterBody;
  fsBase?: Hex;
  gsBase?: Hex;
  kernelGsBase?: Hex;
  /** The kernel's per-CPU record (e.g. Exo-OS EXO_CPUS), read through DWARF. */
  kernel?: Record<string, string>;
}

export interface CpusResponseBody { cpus: CpuBody[]; kernelTable?: string; notes: string[] }

export interface TableRefBody { phys: Hex; depth: number; base: Hex }

export interface PagingArguments {
  /** vCPU whose CR3 and paging mode are used; default: the vCPU of the last stop. */
  cpu?: number;
  /** Software bit meaning copy-on-write; null or "none" for none. Default: the launch/attach
   *  setting `cowBit`, else 9 (Exo-OS). */
  cowBit?: number | 'none' | null;
  /** MAXPHYADDR for reserved-bit checks (default 52). */
  physAddrBits?: number;
  /** Re-read tables even if cached for this stop. */
  fresh?: boolean;
}

export type PageTableFormat = 'table' | 'ranges' | 'summary' | 'infoTlb' | 'infoMem';

export interface PageTableArguments extends PagingArguments {
  /** Default 'table': one table's entries (the root unless `table` is given). */
  format?: PageTableFormat;
  table?: TableRefBody;
  includeEmpty?: boolean;
}

export interface PteBody {
  raw: Hex;
  present: boolean;
  leaf: boolean;
  /** Page (leaf) or next table. */
  address: Hex;
  size: Hex;
  flags: string;
  writable: boolean;
  user: boolean;
  noExecute: boolean;
  cow: boolean;
  protectionKey: number;
  softwareBits: number[];
  /** Reserved bits set: an entry the MMU would fault on (garbage); not followed. */
  garbage: boolean;
  reserved: Hex;
}

export interface EntryBody extends PteBody { index: number; virt: Hex; span: Hex; levelName: string; child?: TableRefBody }

export interface RangeBody { start: Hex; end: Hex; phys: Hex; physContiguous: boolean; writable: boolean; user: boolean; executable: boolean; pages: number }

export interface SummaryBody {
  tablesRead: number;
  bytesRead: number;
  leaves: number;
  leavesBySize: Record<string, number>;
  mappedBytes: Hex;
  userPages: number;
  writableExecutable: number;
  cowPages: number;
  /** The software bit counted as COW (null: none). */
  cowBit: number | null;
  garbageEntries: number;
  ranges: number;
  truncated: boolean;
}

export interface PageTableResponseBody {
  cpu: number;
  format: PageTableFormat;
  mode: 'none' | '32-bit' | 'PAE' | '4-level' | '5-level';
  cr3: Hex;
  table?: { ref: TableRefBody; levelName: string; entries: EntryBody[] };
  ranges?: RangeBody[];
  summary?: SummaryBody;
  /** infoTlb / infoMem: text identical to QEMU's monitor output. */
  text?: string;
  truncated?: boolean;
}

export interface TranslateArguments extends PagingArguments {
  /** Hex (0x…) or decimal. */
  address: string;
  direction?: 'virtToPhys' | 'physToVirt';
}

export interface TranslateStepBody { level: number; levelName: string; table: Hex; index: number; entryAddress: Hex; entry: PteBody }

export interface TranslateResponseBody {
  cpu: number;
  direction: 'virtToPhys' | 'physToVirt';
  virt?: Hex;
  phys?: Hex;
  pageSize?: Hex;
  fault?: string;
  steps?: TranslateStepBody[];
  /** physToVirt: every virtual address mapping the physical address. */
  virts?: Hex[];
  truncated?: boolean;
}

export interface ElfMappingsArguments extends PagingArguments {
  /** ELF to check (default: the program of `pid` from user/ beside the kernel, else the kernel). */
  file?: string;
  /** Address space to check it in: a CR3 value, or a pid from the kernel's process table. */
  cr3?: Hex;
  pid?: number;
}

export interface PermsBody { r: boolean; w: boolean; x: boolean; u: boolean; text: string }

export interface PageRunBody { start: Hex; end: Hex; mapped: boolean; phys?: Hex; perms?: PermsBody; permsMatch?: boolean; physMatch?: boolean; cow?: boolean }

export interface RegionBody {
  name: string; start: Hex; end: Hex; loadAddress?: Hex; expected: PermsBody;
  pages: number; mappedPages: number; writableExecutablePages: number; runs: PageRunBody[]; problems: string[];
}

export interface ElfMappingsResponseBody { cpu: number; file: string; cr3: Hex; segments: RegionBody[]; sections: RegionBody[]; problems: string[]; notes: string[] }

export type CowFaultsArguments = Record<string, never>;

export interface CowFaultBody {
  seq: string;
  cpu?: number;
  pid?: number;
  address?: Hex;
  rip?: Hex;
  symbol?: string;
  function?: string;
  file?: string;
  line?: number;
  oldFrame?: Hex;
  newFrame?: Hex;
  refcount?: string;
  kind?: string;
  raw: Record<string, string>;
}

export interface ProcessBody { pid: number; name?: string; cr3?: Hex; raw: Record<string, string> }

export interface TraceHitBody {
  seq: number; cpu: number; rip: Hex; symbol?: string; cr2: Hex; cr3: Hex; address?: Hex; addressError?: string;
  pteBefore?: Hex; pteBeforeFlags?: string; pteAfter?: Hex; pteAfterFlags?: string;
  /** When "after" was read: at the handler's return, or (no unwind info) at a later stop;
   *  absent while the handler has not returned. */
  afterAt?: 'return' | 'stop';
  /** Time the VM was stopped for this hit (entry and return stops), ms. */
  costMs: number;
}

/** The launch configuration's fault trace (hidden breakpoint), when one is set. */
export interface FaultTraceBody { function: string; addresses: Hex[]; total: number; meanCostMs: number; hits: TraceHitBody[]; notes: string[] }

export interface CowFaultsResponseBody {
  trace?: FaultTraceBody;
  source: 'kernel-log' | 'none';
  detail: string;
  total?: string;
  capacity?: number;
  overwritten: number;
  faults: CowFaultBody[];
  processes: ProcessBody[];
}
