// Loads an `exo-debug` subcommand bundle (dist/cli-*.js) through a V8 code cache kept per user
// (~/.cache/exo-debug/v8): a one-shot command then skips parsing and compiling the functions its
// previous run compiled (~50-90 ms of CPU of `symbols resolve` on a vmlinux, measured). Any
// cache problem only costs the saving: the bundle is then compiled as usual.
import { createHash } from 'node:crypto';
import { existsSync, mkdirSync, readdirSync, readFileSync, renameSync, statSync, unlinkSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { homedir } from 'node:os';
import { join } from 'node:path';
import { Script } from 'node:vm';

export interface LoadedBundle<T> {
  readonly exports: T;
  /** Whether V8 took the code from the cache. */
  readonly fromCache: boolean;
  /** Writes the cache when there was none (or V8 rejected it): call once the command is done,
   *  so the functions it ran are in it. */
  saveCache(): void;
}

/** The per-user cache directory, made private (0700); undefined when unusable or opted out. */
function cacheDir(): string | undefined {
  if (process.env.EXO_DEBUG_NO_CODE_CACHE) return undefined;
  try {
    const dir = join(process.env.XDG_CACHE_HOME || join(homedir(), '.cache'), 'exo-debug', 'v8');
    mkdirSync(dir, { recursive: true, mode: 0o700 });
    // Cached code is run: only from a directory nobody else can write.
    const st = statSync(dir);
    if ((st.mode & 0o022) !== 0 || (process.getuid && st.uid !== process.getuid())) return undefined;
    return dir;
  } catch { return undefined; }
}

/**
 * Loads `name` (a CommonJS bundle in `dir`: beside this file, as dist/cli.js is built), or
 * returns undefined when there is no such file (running from sources): the caller then imports
 * the module itself.
 */
export function loadBundle<T>(name: string, dir = __dirname): LoadedBundle<T> | undefined {
  const file = join(dir, name);
  if (!existsSync(file)) return undefined;
  const source = readFileSync(file, 'utf8');
  const cache = cacheDir();
  const st = statSync(file);
  const key = createHash('sha256').update(`${file}\0${st.size}\0${st.mtimeMs}\0${process.version}\0${process.arch}`).digest('hex').slice(0, 24);
  const cachePath = cache && join(cache, `${name}.${key}.bin`);
  let cachedData: Buffer | undefined;
  try { if (cachePath) cachedData = readFileSync(cachePath); } catch { /* first run */ }
  const script = new Script(`(function (exports, require, module, __filename, __dirname) {${source}\n})`, { filename: file, cachedData });
  const mod = { exports: {} as T };
  (script.runInThisContext() as (e: T, r: NodeJS.Require, m: { exports: T }, f: string, d: string) => void)
    .call(mod.exports, mod.exports, createRequire(file), mod, file, dir);
  return {
    exports: mod.exports,
    fromCache: !!cachedData && !script.cachedDataRejected,
    saveCache() {
      if (!cachePath || (cachedData && !script.cachedDataRejected)) return;
      try {
        const tmp = `${cachePath}.${process.pid}.tmp`;
        writeFileSync(tmp, script.createCachedData(), { mode: 0o600 });
        renameSync(tmp, cachePath);
        // Caches of earlier builds of this bundle are dead weight.
        for (const f of readdirSync(cache!)) if (f.startsWith(`${name}.`) && f.endsWith('.bin') && join(cache!, f) !== cachePath) unlinkSync(join(cache!, f));
      } catch { /* read-only home, full disk: no cache, no harm */ }
    },
  };
}
