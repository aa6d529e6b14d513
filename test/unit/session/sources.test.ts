// Source paths: files on disk keep their path; /rustc/<commit>/… maps into a rust-src tree of the
// same rustc; everything else comes back without a path, deemphasized, with the reason.
import * as assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { localRustToolchain, RustToolchain, SourcePaths } from '../../../adapter/session/inspect/sources';

const COMMIT = '59807616e1fa2540724bfbac14d7976d7e4a3860';
const CORE = `/rustc/${COMMIT}/library/core/src/fmt/mod.rs`;

describe('session/inspect: source paths', () => {
  let dir: string;
  let srcRoot: string;
  let kernelFile: string;
  before(() => {
    dir = fs.mkdtempSync(path.join(os.tmpdir(), 'exo-sources-'));
    srcRoot = path.join(dir, 'sysroot/lib/rustlib/src/rust');
    fs.mkdirSync(path.join(srcRoot, 'library/core/src/fmt'), { recursive: true });
    fs.writeFileSync(path.join(srcRoot, 'library/core/src/fmt/mod.rs'), '// fmt\n');
    kernelFile = path.join(dir, 'main.rs');
    fs.writeFileSync(kernelFile, 'fn main() {}\n');
  });
  after(() => fs.rmSync(dir, { recursive: true, force: true }));

  const paths = (tc: RustToolchain | undefined) => {
    let asked = 0;
    const sp = new SourcePaths(async () => { asked++; return tc; });
    return { sp, asked: () => asked };
  };

  it('keeps files on disk and marks missing ones (no path, deemphasized, reason + original path)', async () => {
    const { sp, asked } = paths(undefined);
    assert.deepEqual(await sp.source(kernelFile), { name: 'main.rs', path: kernelFile });
    assert.deepEqual(await sp.source('/build/linux/init/main.c'), {
      name: 'main.c', sourceReference: 0, presentationHint: 'deemphasize', origin: 'not on disk: /build/linux/init/main.c',
    });
    assert.equal(asked(), 0, 'rustc is only asked about /rustc paths');
  });

  it('maps /rustc/<commit>/ into the same rustc\'s rust-src', async () => {
    const { sp, asked } = paths({ commit: COMMIT, srcRoot });
    const s = await sp.source(CORE);
    assert.deepEqual(s, { name: 'mod.rs', path: path.join(srcRoot, 'library/core/src/fmt/mod.rs') });
    const gone = await sp.source(`/rustc/${COMMIT}/library/core/src/num/mod.rs`);
    assert.equal(gone.path, undefined);
    assert.match(gone.origin ?? '', /^not in .*rust: \/rustc\//);
    assert.equal(await sp.toDebugPath(s.path!), CORE, 'breakpoints in the mapped file go back to the debug path');
    assert.equal(await sp.toDebugPath(kernelFile), kernelFile);
    assert.equal(asked(), 1, 'the toolchain is looked up once');
  });

  it('does not map without rust-src, for another rustc, or without rustc', async () => {
    const noSrc = await paths({ commit: COMMIT }).sp.source(CORE);
    assert.deepEqual([noSrc.path, noSrc.presentationHint, noSrc.sourceReference], [undefined, 'deemphasize', 0]);
    assert.equal(noSrc.origin, `rust-src is not installed (rustup component add rust-src): ${CORE}`);
    const other = await paths({ commit: 'f'.repeat(40), srcRoot }).sp.source(CORE);
    assert.equal(other.path, undefined);
    assert.match(other.origin ?? '', /built by rustc 59807616e, the installed rustc is fffffffff/);
    const none = await paths(undefined).sp.source(CORE);
    assert.match(none.origin ?? '', /no rustc found/);
  });

  it('lists loaded sources once each, available first', async () => {
    const { sp } = paths({ commit: COMMIT });
    const list = await sp.loadedSources([CORE, kernelFile, '/nope/a.c', kernelFile]);
    assert.deepEqual(list.map(s => [s.name, s.path !== undefined]), [['main.rs', true], ['mod.rs', false], ['a.c', false]]);
  });

  it('reads the installed rustc (commit and, when present, rust-src)', async () => {
    const tc = await localRustToolchain();
    assert.ok(tc, 'rustc is installed on the build machines');
    assert.match(tc.commit, /^[0-9a-f]{40}$/);
    if (tc.srcRoot) assert.ok(fs.existsSync(path.join(tc.srcRoot, 'library')));
    assert.equal(await localRustToolchain('/nonexistent/rustc'), undefined);
  });
});
