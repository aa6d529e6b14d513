// What the session services need from the layers below, as narrow interfaces: the RSP client
// subset they drive and the symbol questions they ask. Tests hand in fakes of these.
import type { RegisterValues, RspClientApi } from '../rsp';

export type ExecTarget = Pick<RspClientApi,
  'readRegisters' | 'readVirtual' | 'resume' | 'step' | 'waitForStop' | 'interrupt' |
  'insertBreakpoint' | 'removeBreakpoint' | 'setSstep'>;

export interface SourceLine {
  file: string;
  line: number;
  column?: number;
  /** True when `pc` is the first address of a line-table row that starts a statement. */
  isStmtStart?: boolean;
}

export interface FunctionRange { name: string; low: bigint; high: bigint }

/** The symbol questions stepping asks. */
export interface LineLocator {
  lineAt(pc: bigint): SourceLine | undefined;
  functionAt(pc: bigint): FunctionRange | undefined;
  /** Address after the prologue of the function starting at `low` (gdb's `break FUNC`). */
  afterPrologue(fn: FunctionRange): bigint | undefined;
  /** The CFA of the frame whose registers these are (pc = where it stopped), from CFI; undefined
   *  where no CFI covers the pc. Absent: line steps single-step every instruction. */
  frameCfa?(regs: RegisterValues): Promise<bigint | undefined>;
  /** Every address in `fn` where a line-table entry starts (a line step can only end on one):
   *  lets a step plan skip the line lookup elsewhere. undefined when unknown. */
  rowStarts?(fn: FunctionRange): ReadonlySet<bigint> | undefined;
}

/** Where the frame of `thread` returns to (from the unwinder): return address and CFA. */
export type CallerLocator = (thread: number) => Promise<{ returnAddress: bigint; cfa: bigint } | undefined>;
