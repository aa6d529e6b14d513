// Every wait on QEMU has a deadline: `withTimeout` rejects with a typed 'timeout' error.
import { ExoError } from './errors';

export function withTimeout<T>(p: Promise<T>, ms: number, what: string): Promise<T> {
  return new Promise<T>((resolve, reject) => {
    const t = setTimeout(() => reject(new ExoError('timeout', `${what}: no answer within ${ms} ms`)), ms);
    p.then(v => { clearTimeout(t); resolve(v); }, e => { clearTimeout(t); reject(e); });
  });
}

export const sleep = (ms: number) => new Promise<void>(r => setTimeout(r, ms));
