// Symbol demangling for display: Rust legacy and v0, C++ Itanium through the WebAssembly build
// of rustc-demangle/cpp_demangle (gecko-profiler-demangle); hand-written Rust legacy otherwise.
import { demangleRustLegacy } from './rustLegacy';
import { WasmDemangler } from './wasm';

export type ManglingScheme = 'rust-legacy' | 'rust-v0' | 'itanium' | 'none';

/** Which scheme mangled `name` (by its shape; `_ZN…17h<hash>E` is Rust legacy). */
export function manglingScheme(name: string): ManglingScheme {
  const s = name.startsWith('__') ? name.slice(1) : name;
  if (s.startsWith('_R')) return 'rust-v0';
  if (s.startsWith('_ZN') && /17h[0-9a-f]{16}E/.test(s)) return 'rust-legacy';
  if (s.startsWith('_Z')) return 'itanium';
  return 'none';
}

let wasm: WasmDemangler | undefined | null = null; // null: not tried yet
const cache = new Map<string, string>();
const CACHE_LIMIT = 100_000;

/** Whether the full (WebAssembly) demangler is available; without it only Rust legacy works. */
export function fullDemanglerAvailable(): boolean {
  if (wasm === null) wasm = WasmDemangler.load();
  return wasm !== undefined;
}

/** The readable name: `core::fmt::write` for `_ZN4core3fmt5write17h…E`; other names unchanged. */
export function demangle(name: string): string {
  const scheme = manglingScheme(name);
  if (scheme === 'none') return name;
  const hit = cache.get(name);
  if (hit !== undefined) return hit;
  let out: string | undefined;
  if (fullDemanglerAvailable()) {
    const d = (wasm as WasmDemangler).demangle(name);
    // rustc-demangle and cpp_demangle give back the input (sometimes minus its `_`) on failure
    if (d !== name && d !== name.slice(1) && d.length > 0) out = d;
  }
  if (out === undefined && (scheme === 'rust-legacy' || scheme === 'itanium')) out = demangleRustLegacy(name);
  out ??= name;
  if (cache.size >= CACHE_LIMIT) cache.clear();
  cache.set(name, out);
  return out;
}
