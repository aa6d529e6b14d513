// A view of the RSP client that remembers what a stopped VM cannot change: each vCPU's registers
// (`g` once per stop; a line step asks several times per instruction) and its stack memory, read
// in 2 KiB chunks near rsp (unwinding and locals otherwise ask 8 bytes at a time, a round trip each).
import type { MemoryRead, RegisterValues, RspClientApi } from '../rsp';
import type { RspThreadId, VirtAddr } from '../common/types';
import { virt } from '../common/types';
import { mergeRanges } from '../rsp/memplan';
import type { AddrRange } from '../rsp';

/** Calls that cannot change any vCPU's registers or memory; every other call (run, step,
 *  writes, monitor commands, reset) drops the cache before and after it. */
const KEEPS = new Set<PropertyKey>([
  'readRegisters', 'readRegister', 'readVirtual', 'readPhysical', 'insertBreakpoint', 'removeBreakpoint',
  'threads', 'threadExtraInfo', 'setThread', 'getSstep', 'setSstep', 'onStop', 'onOutput',
]);

/** Stack chunks: aligned, so one never crosses a page (an unmapped page fails a chunk whole, as
 *  it fails a direct read) and one `m` fetches it (QEMU's limit is 0x800 bytes). */
export const STACK_CHUNK = 0x800n;
/** How far above rsp reads count as stack (a kernel stack is 8-16 KiB). Only stack memory is
 *  read ahead: elsewhere a larger read than asked could touch device memory. */
export const STACK_WINDOW = 0x4000n;
const PAGE = 0x1000n;

/** `onDrop` hears every time the cache is dropped (other per-stop caches follow it). */
export function cachingStopState(rsp: RspClientApi, onDrop?: () => void): RspClientApi {
  const regs = new Map<RspThreadId, Promise<RegisterValues>>();
  const chunks = new Map<string, Promise<MemoryRead>>();
  const clear = () => { regs.clear(); chunks.clear(); onDrop?.(); };
  rsp.onStop(clear);

  const readRegisters = (thread: RspThreadId): Promise<RegisterValues> => {
    let p = regs.get(thread);
    if (!p) {
      p = rsp.readRegisters(thread);
      regs.set(thread, p);
      p.catch(() => { if (regs.get(thread) === p) regs.delete(thread); });
    }
    return p;
  };

  /** The chunk at `base`; a miss reads the rest of its page at once (the client pipelines the
   *  chunks: one round trip for the frames of a whole stack page). */
  const chunk = (thread: RspThreadId, base: bigint, windowEnd: bigint): Promise<MemoryRead> => {
    const cached = chunks.get(`${thread}:${base}`);
    if (cached) return cached;
    const pageEnd = base - (base % PAGE) + PAGE;
    let end = base + STACK_CHUNK;
    while (end < pageEnd && end < windowEnd && !chunks.has(`${thread}:${end}`)) end += STACK_CHUNK;
    const all = rsp.readVirtual(thread, virt(base), Number(end - base));
    let out: Promise<MemoryRead> | undefined;
    for (let b = base; b < end; b += STACK_CHUNK) {
      const key = `${thread}:${b}`;
      const from = b;
      const p = all.then(r => ({
        data: r.data.subarray(Number(from - base), Number(from - base + STACK_CHUNK)),
        unreadable: r.unreadable.filter(u => u.start < from + STACK_CHUNK && u.end > from),
      }));
      chunks.set(key, p);
      p.catch(() => { if (chunks.get(key) === p) chunks.delete(key); });
      out ??= p;
    }
    return out!;
  };

  const readVirtual = async (thread: RspThreadId, addr: VirtAddr, length: number): Promise<MemoryRead> => {
    const sp = (await readRegisters(thread).catch(() => undefined))?.get('rsp');
    const lo = sp === undefined ? undefined : sp - (sp % STACK_CHUNK);
    const end = addr + BigInt(length);
    if (lo === undefined || length <= 0 || addr < lo || end > lo + STACK_WINDOW) return rsp.readVirtual(thread, addr, length);
    const data = new Uint8Array(length);
    const bad: AddrRange[] = [];
    for (let base = addr - (addr % STACK_CHUNK); base < end; base += STACK_CHUNK) {
      const c = await chunk(thread, base, lo + STACK_WINDOW);
      const from = addr > base ? addr : base;
      const to = end < base + STACK_CHUNK ? end : base + STACK_CHUNK;
      if (c.unreadable.length) { bad.push({ start: from, end: to }); continue; }
      data.set(c.data.subarray(Number(from - base), Number(to - base)), Number(from - addr));
    }
    return { data, unreadable: mergeRanges(bad) };
  };

  return new Proxy(rsp, {
    get(target, prop) {
      const v: unknown = Reflect.get(target, prop, target);
      if (prop === 'readRegisters') return readRegisters;
      if (prop === 'readVirtual') return readVirtual;
      if (typeof v !== 'function') return v;
      if (KEEPS.has(prop)) return v.bind(target);
      return (...args: unknown[]) => {
        clear();
        const r: unknown = v.apply(target, args);
        return r instanceof Promise ? r.finally(clear) : r;
      };
    },
  });
}
