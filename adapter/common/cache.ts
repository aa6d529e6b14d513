// Caches that remember failures as well as results (CONVENTIONS.md #7): a unit that failed to
// parse fails the same way next time without being parsed again.

export type Cached<T> = { ok: true; value: T } | { ok: false; error: unknown };

/** `make()` once per key; a thrown error is stored and rethrown on later calls. */
export function cached<K, T>(map: Map<K, Cached<T>>, key: K, make: () => T): T {
  let c = map.get(key);
  if (!c) {
    try { c = { ok: true, value: make() }; } catch (e) { c = { ok: false, error: e }; }
    map.set(key, c);
  }
  if (!c.ok) throw c.error;
  return c.value;
}
