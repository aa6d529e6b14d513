// The CLI's V8 code cache (adapter/cliCache.ts): a bundle loads the same with and without it, the
// cache is written once and used by the next load, a changed bundle gets a new one (the old one
// is removed), and a cache directory others can write is not used.
import assert from 'node:assert/strict';
import { chmodSync, mkdtempSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { loadBundle } from '../../../adapter/cliCache';

describe('exo-debug CLI: V8 code cache for subcommand bundles', () => {
  let dir: string, saved: string | undefined;
  const cacheFiles = () => readdirSync(join(dir, 'cache/exo-debug/v8'));
  const bundle = (body: string) => writeFileSync(join(dir, 'b.js'), `"use strict";\nexports.answer = function (x) { ${body} };\nexports.dir = __dirname;\n`);

  beforeEach(() => {
    dir = mkdtempSync(join(tmpdir(), 'exo-cli-cache-'));
    saved = process.env.XDG_CACHE_HOME;
    process.env.XDG_CACHE_HOME = join(dir, 'cache');
    delete process.env.EXO_DEBUG_NO_CODE_CACHE;
  });
  afterEach(() => {
    if (saved === undefined) delete process.env.XDG_CACHE_HOME; else process.env.XDG_CACHE_HOME = saved;
    rmSync(dir, { recursive: true, force: true });
  });

  it('runs the bundle, writes the cache after the first run and loads from it next time', () => {
    bundle('return x * 2;');
    const first = loadBundle<{ answer(x: number): number; dir: string }>('b.js', dir)!;
    assert.equal(first.exports.answer(21), 42);
    assert.equal(first.exports.dir, dir);
    assert.equal(first.fromCache, false);
    first.saveCache();
    assert.equal(cacheFiles().length, 1);
    const second = loadBundle<{ answer(x: number): number }>('b.js', dir)!;
    assert.equal(second.fromCache, true);
    assert.equal(second.exports.answer(4), 8);
  });

  it('a changed bundle gets its own cache and the old one goes', () => {
    bundle('return x * 2;');
    loadBundle('b.js', dir)!.saveCache();
    const old = cacheFiles();
    bundle('return x * 3 + 1000;');
    const b = loadBundle<{ answer(x: number): number }>('b.js', dir)!;
    assert.equal(b.fromCache, false);
    assert.equal(b.exports.answer(1), 1003);
    b.saveCache();
    assert.equal(cacheFiles().length, 1);
    assert.notDeepEqual(cacheFiles(), old);
  });

  it('no bundle file: undefined (the caller imports from sources); a writable-by-others cache dir or the opt-out: no cache', () => {
    assert.equal(loadBundle('missing.js', dir), undefined);
    bundle('return 1;');
    loadBundle('b.js', dir)!.saveCache();
    chmodSync(join(dir, 'cache/exo-debug/v8'), 0o777);
    assert.equal(loadBundle('b.js', dir)!.fromCache, false);
    chmodSync(join(dir, 'cache/exo-debug/v8'), 0o700);
    process.env.EXO_DEBUG_NO_CODE_CACHE = '1';
    assert.equal(loadBundle('b.js', dir)!.fromCache, false);
  });
});
