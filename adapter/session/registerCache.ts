// A view of the RSP client that answers `g` once per vCPU per stop: a line step asks for the
// same vCPU's registers several times per instruction, each a round trip (plus `Hg`).
import type { RegisterValues, RspClientApi } from '../rsp';
import type { RspThreadId } from '../common/types';

/** Calls that cannot change any vCPU's registers; every other call (run, step, writes, monitor
 *  commands, reset) drops the cache before and after it. */
const KEEPS = new Set<PropertyKey>([
  'readRegisters', 'readRegister', 'readVirtual', 'readPhysical', 'insertBreakpoint', 'removeBreakpoint',
  'threads', 'threadExtraInfo', 'setThread', 'getSstep', 'setSstep', 'onStop', 'onOutput',
]);

export function cachingRegisters(rsp: RspClientApi): RspClientApi {
  const cache = new Map<RspThreadId, Promise<RegisterValues>>();
  const clear = () => cache.clear();
  rsp.onStop(clear);
  const readRegisters = (thread: RspThreadId): Promise<RegisterValues> => {
    let p = cache.get(thread);
    if (!p) {
      p = rsp.readRegisters(thread);
      cache.set(thread, p);
      p.catch(() => { if (cache.get(thread) === p) cache.delete(thread); });
    }
    return p;
  };
  return new Proxy(rsp, {
    get(target, prop) {
      const v: unknown = Reflect.get(target, prop, target);
      if (prop === 'readRegisters') return readRegisters;
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
