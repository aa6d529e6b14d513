// Call stacks of one vCPU: the symbols' CFI unwinder when loaded (with inlined frames), the
// frame-pointer chain otherwise (Exo-OS is built with frame pointers). Pure over a reader.
import type { RegisterValues } from '../../rsp';
import { readLE } from '../../common/hex';

export interface Frame {
  pc: bigint;
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
}

export type MemReader = (addr: bigint, len: number) => Promise<Uint8Array | undefined>;

const MAX_FRAMES = 64;
const canonical = (a: bigint) => a < 0x0000_8000_0000_0000n || a >= 0xffff_8000_0000_0000n;

/** Frame-pointer walk: [rbp] = caller's rbp, [rbp+8] = return address. */
export async function framePointerFrames(regs: RegisterValues, read: MemReader, max = MAX_FRAMES): Promise<Frame[]> {
  const frames: Frame[] = [{ pc: regs.get('rip') ?? 0n, regs }];
  let rbp = regs.get('rbp') ?? 0n;
  const seen = new Set<bigint>();
  while (frames.length < max && rbp !== 0n && canonical(rbp) && (rbp & 7n) === 0n && !seen.has(rbp)) {
    seen.add(rbp);
    const b = await read(rbp, 16);
    if (!b) break;
    const next = readLE(b, 0, 8);
    const ret = readLE(b, 8, 8);
    if (ret === 0n || !canonical(ret)) break;
    frames.push({ pc: ret, cfa: rbp + 16n, regs: new Map([['rip', ret], ['rsp', rbp + 16n], ['rbp', next]]) });
    if (next !== 0n && next <= rbp) break; // stacks grow down: a caller's frame is above
    rbp = next;
  }
  return frames;
}
