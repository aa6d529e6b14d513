// Loads gecko-profiler-demangle's WebAssembly module (rustc-demangle + cpp_demangle) without its
// ESM glue, so it works under tsx, in the CommonJS esbuild bundle and in the extension host.
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';

// Minimal WebAssembly typings: the project's lib (ES2022, no DOM) does not declare them.
interface WasmTable { grow(n: number): number; set(index: number, value: unknown): void }
interface WasmApi {
  Module: new (bytes: Uint8Array) => object;
  Instance: new (module: object, imports: Record<string, Record<string, unknown>>) => { exports: unknown };
}
const WA = (globalThis as unknown as { WebAssembly: WasmApi }).WebAssembly;

interface DemangleExports {
  memory: { buffer: ArrayBuffer };
  demangle_any(ptr: number, len: number): [number, number];
  __wbindgen_export_0: WasmTable;
  __wbindgen_malloc(size: number, align: number): number;
  __wbindgen_free(ptr: number, size: number, align: number): void;
  __wbindgen_start(): void;
}

export const WASM_FILE = 'gecko-demangle.wasm';

/** Where the .wasm may be: beside the bundle (dist/), or in node_modules (tests, dev). */
function candidates(): string[] {
  const out = [join(__dirname, WASM_FILE)];
  try {
    out.push(require.resolve('gecko-profiler-demangle/index_bg.wasm'));
  } catch {
    // not installed: the bundle's copy is the only candidate
  }
  return out;
}

export class WasmDemangler {
  private readonly encoder = new TextEncoder();
  private readonly decoder = new TextDecoder('utf-8', { fatal: true });

  private constructor(private readonly x: DemangleExports) {}

  /** The demangler, or undefined when the .wasm cannot be found or instantiated. */
  static load(): WasmDemangler | undefined {
    for (const path of candidates()) {
      if (!existsSync(path)) continue;
      try {
        const module = new WA.Module(readFileSync(path));
        const holder: { x?: DemangleExports } = {};
        const imports = {
          './index_bg.js': {
            // wasm-bindgen's externref table starts with these four reserved slots
            __wbindgen_init_externref_table: () => {
              const table = (holder.x as DemangleExports).__wbindgen_export_0;
              const offset = table.grow(4);
              table.set(0, undefined);
              table.set(offset + 0, undefined);
              table.set(offset + 1, null);
              table.set(offset + 2, true);
              table.set(offset + 3, false);
            },
          },
        };
        const instance = new WA.Instance(module, imports);
        holder.x = instance.exports as DemangleExports;
        holder.x.__wbindgen_start();
        return new WasmDemangler(holder.x);
      } catch {
        continue;
      }
    }
    return undefined;
  }

  /** Demangled text, or the input unchanged when no demangler recognises it. */
  demangle(name: string): string {
    const bytes = this.encoder.encode(name);
    const ptr = this.x.__wbindgen_malloc(bytes.length, 1) >>> 0;
    new Uint8Array(this.x.memory.buffer, ptr, bytes.length).set(bytes);
    const [outPtr, outLen] = this.x.demangle_any(ptr, bytes.length);
    try {
      return this.decoder.decode(new Uint8Array(this.x.memory.buffer, outPtr >>> 0, outLen >>> 0));
    } finally {
      this.x.__wbindgen_free(outPtr, outLen, 1);
    }
  }
}
