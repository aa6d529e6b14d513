// Call stacks of one vCPU: the symbols' CFI unwinder when loaded (with inlined frames), the
// frame-pointer chain otherwise (Exo-OS is built with frame pointers). Pure over a reader.
import type { RegisterValues } from '../../rsp';
import { readLE } from '../../common/hex';
import type { ScopeFrame } from '../../symbols/values/scope';
import type { FrameState } from '../../symbols/values/variables';

export interface Frame {
  pc: bigint;
  /** The pc to look lines/functions up with: pc - 1 for return addresses, the exact pc for frame 0
   *  and interrupted frames. */
  lookupPc: bigint;
  /** Canonical frame address (rsp at the call site), when known. */
  cfa?: bigint;
  /** Registers as recovered for this frame (at least rip/rsp/rbp for frame 0). */
  regs: ReadonlyMap<string, bigint>;
  /** Position inside its physical frame: 0 = innermost inlined call (or the function itself). */
  inlineDepth?: number;
  /** Set for a frame that exists only in the debug info (an inlined call). */
  inlined?: boolean;
  function?: string;
  file?: string;
  line?: number;
  column?: number;
  /** From the symbols' stack builder: the DWARF scope and the state its variables are read in
   *  (shared by the inlined frames of one machine frame, linked to the caller's state). */
  scope?: ScopeFrame;
  state?: FrameState;
  /** An interrupt/exception entry stub (its CFI says the frame above was interrupted), shown as
   *  a label frame as gdb shows `<signal handler called>`. */
  interruptEntry?: boolean;
}

export type MemReader = (addr: bigint, len: number) => Promise<Uint8Array | undefined>;

const MAX_FRAMES = 64;
const canonical = (a: bigint) => a < 0x0000_8000_0000_0000n || a >= 0xffff_8000_0000_0000n;

/** Frame-pointer walk: [rbp] = caller's rbp, [rbp+8] = return address. */
export async function framePointerFrames(regs: RegisterValues, read: MemReader, max = MAX_FRAMES): Promise<Frame[]> {
  const pc0 = regs.get('rip') ?? 0n;
  const frames: Frame[] = [{ pc: pc0, lookupPc: pc0, regs }];
  let rbp = regs.get('rbp') ?? 0n;
  const seen = new Set<bigint>();
  while (frames.length < max && rbp !== 0n && canonical(rbp) && (rbp & 7n) === 0n && !seen.has(rbp)) {
    seen.add(rbp);
    const b = await read(rbp, 16);
    if (!b) break;
    const next = readLE(b, 0, 8);
    const ret = readLE(b, 8, 8);
    if (ret === 0n || !canonical(ret)) break;
    frames.push({ pc: ret, lookupPc: ret - 1n, cfa: rbp + 16n, regs: new Map([['rip', ret], ['rsp', rbp + 16n], ['rbp', next]]) });
    if (next !== 0n && next <= rbp) break; // stacks grow down: a caller's frame is above
    rbp = next;
  }
  return frames;
}
