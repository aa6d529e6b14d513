// The views' launch/attach settings per session: which software PTE bit means copy-on-write
// (`cowBit`: 0-63 or "none"; default Exo-OS's 9, Linux has none) and the fault trace.
import { ExoError } from '../../common/errors';
import type { FaultTraceSpec } from '../../kernel/faultTrace';
import { EXO_COW_BIT } from '../../kernel/pageTables';
import type { Runtime } from '../runtime';
import { installFaultTrace } from './faultTrace';

/** The setting as written: a bit number, "none", or null (= none). */
export type CowBitSetting = number | 'none' | null;

const cowBits = new WeakMap<Runtime, number | null>();

/**
 * A cowBit setting as the page-table options take it: a bit number, null for none, or
 * undefined when absent. Anything else is a user error naming the accepted values.
 */
export function parseCowBit(v: unknown, where = 'cowBit'): number | null | undefined {
  if (v === undefined) return undefined;
  if (v === null || v === 'none') return null;
  const n = typeof v === 'string' && /^\d+$/.test(v.trim()) ? Number(v) : v;
  if (typeof n === 'number' && Number.isInteger(n) && n >= 0 && n < 64) return n;
  throw new ExoError('user', `${where} ${JSON.stringify(v)} is not a bit number 0-63 or "none" (Exo-OS uses 9; Linux has no COW bit: "none").`);
}

/** The session's COW bit: the launch/attach setting, else Exo-OS's bit 9. */
export function sessionCowBit(rt: Runtime): number | null {
  const b = cowBits.get(rt);
  return b === undefined ? EXO_COW_BIT : b;
}

/** The COW bit for one request: its own `cowBit` argument first, then the session's. */
export function requestCowBit(rt: Runtime, arg: unknown): number | null {
  const b = parseCowBit(arg);
  return b === undefined ? sessionCowBit(rt) : b;
}

export interface ViewSettings {
  cowBit?: CowBitSetting;
  faultTrace?: FaultTraceSpec;
}

/** Applies the views' settings of a launch/attach request; a bad value is said and ignored. */
export async function applyViewSettings(rt: Runtime, args: ViewSettings, say: (text: string) => void): Promise<void> {
  try {
    const b = parseCowBit(args.cowBit);
    if (b !== undefined) cowBits.set(rt, b);
  } catch (e) {
    say(`${e instanceof Error ? e.message : String(e)} The views use bit ${EXO_COW_BIT}.\n`);
  }
  await installFaultTrace(rt, args.faultTrace, say);
}
