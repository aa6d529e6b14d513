// What the evaluator needs from the debugger (implemented by the session over RSP + symbols)
// and the values it produces: a type plus where the value lives or what it is.
import type { EvalType } from './types';

/** Where a value lives. `value` holds computed results and DWARF stack values. */
export type Location =
  | { readonly kind: 'memory'; readonly address: bigint }
  | { readonly kind: 'register'; readonly name: string }
  | { readonly kind: 'value' };

export interface Value {
  readonly type: EvalType;
  readonly location: Location;
  /** Scalars (ints, bools, enums, pointers) once loaded: the raw unsigned bits. */
  readonly bits?: bigint;
  /** Floats once loaded. */
  readonly float?: number;
  /** Aggregates not in memory (e.g. a struct held in registers): their bytes. */
  readonly bytes?: Uint8Array;
  /** Bitfield inside the storage at `location`. */
  readonly bitField?: { readonly offset: number; readonly size: number };
}

/** A variable as the symbol layer resolves it at the current frame. */
export interface SymbolValue {
  readonly type: EvalType;
  readonly location: Location;
  /** For `value` locations (DW_OP_stack_value, register contents): the value itself. */
  readonly bits?: bigint;
  readonly bytes?: Uint8Array;
}

export interface EvalEnvironment {
  /** A register of the selected vCPU by name without `$` (`rip`, `cr3`, `eflags`), or undefined. */
  register(name: string): Promise<bigint | undefined>;
  /** A variable in scope (locals and arguments first, then globals), by name or Rust path. */
  symbol(name: string): Promise<SymbolValue | undefined>;
  /** Reads virtual memory of the selected vCPU; throws an ExoError naming the address on failure. */
  readMemory(address: bigint, size: number): Promise<Uint8Array>;
  /** A named type (`struct Foo`, `Foo`, `exo::cpu::PerCpu`), or undefined. Built-ins are handled by the evaluator. */
  typeByName(name: string): Promise<EvalType | undefined>;
  /** The data/function symbol containing an address (pointer labels `<EXO_CPUS+64>`); optional. */
  symbolAt?(address: bigint): { name: string; offset: bigint } | undefined;
  /** Writes memory / registers (for assignments); optional. */
  writeMemory?(address: bigint, bytes: Uint8Array): Promise<void>;
  writeRegister?(name: string, value: bigint): Promise<void>;
}
