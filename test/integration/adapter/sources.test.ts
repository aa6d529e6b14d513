// loadedSources and stack frames against real QEMU + Exo-OS: every source offered with a path
// exists on disk; Rust's /rustc/<commit>/… sources map into the installed rust-src when it is the
// same rustc, otherwise they come without a path, deemphasized, with the reason (and stack frames
// into them are 'subtle', so VS Code does not try to open a missing file); disassembly likewise.
import * as assert from 'node:assert/strict';
import * as fs from 'node:fs';
import type { DebugProtocol } from '@vscode/debugprotocol';
import { localRustToolchain } from '../../../adapter/session/inspect/sources';
import { KERNEL_SRC, requireBuilt, Session } from './harness';

describe('adapter: sources on disk, /rustc mapped or marked (real QEMU + Exo-OS)', function () {
  this.timeout(180_000);
  before(requireBuilt);
  let s: Session;
  beforeEach(async () => { s = new Session(); await s.start(); });
  afterEach(async () => { await s.close(); });

  it('loadedSources: paths that exist, kernel sources among them, /rustc ones mapped or marked unavailable', async () => {
    await s.launch({ stopAtEntry: true });
    await s.nextStop();
    const sources = ((await s.dc.customRequest('loadedSources', {})) as DebugProtocol.LoadedSourcesResponse).body.sources;
    const withPath = sources.filter(x => x.path);
    const without = sources.filter(x => !x.path);
    for (const x of withPath) assert.ok(fs.existsSync(x.path!), `${x.path} is offered but not on disk`);
    assert.ok(withPath.some(x => x.path!.startsWith(KERNEL_SRC) && x.path!.endsWith('main.rs')), 'kernel/src/main.rs is listed');
    const firstMissing = sources.findIndex(x => !x.path);
    assert.ok(firstMissing < 0 || sources.slice(firstMissing).every(x => !x.path), 'available sources come first');
    const tc = await localRustToolchain();
    const rustcMissing = without.filter(x => /\/rustc\//.test(x.origin ?? ''));
    for (const x of without) {
      assert.equal(x.presentationHint, 'deemphasize');
      assert.ok(!x.sourceReference, 'no source reference: nothing to fetch');
    }
    if (tc?.srcRoot) {
      assert.ok(withPath.some(x => x.path!.startsWith(tc.srcRoot!)), 'core sources mapped into rust-src');
    } else {
      assert.ok(rustcMissing.length > 10, `core/alloc sources are listed as unavailable (${rustcMissing.length})`);
      assert.match(rustcMissing[0].origin!, /rust-src is not installed|installed rustc is|no rustc found/);
    }
  });

  it('a stop inside core::fmt::write: its frames (and its function breakpoint) have no path (subtle), the kernel callers do', async () => {
    let bps: DebugProtocol.Breakpoint[] = [];
    await s.launch({}, [], async () => {
      // exo::memory::cow::resolve runs only for user processes (no initrd here): never hit.
      const r = await s.dc.setFunctionBreakpointsRequest({ breakpoints: [{ name: 'core::fmt::write' }, { name: 'exo::memory::cow::resolve' }] });
      bps = r.body.breakpoints;
      for (const b of bps) assert.equal(b.verified, true, b.message);
    });
    const stop = await s.nextStop();
    const st = await s.dc.stackTraceRequest({ threadId: stop.body.threadId!, levels: 30 });
    const frames = st.body.stackFrames;
    // The breakpoint after write's prologue sits in inlined Arguments::as_str (same file).
    assert.ok(frames.slice(0, 3).some(f => /core::fmt::write/.test(f.name)), frames.map(f => f.name).join(' <- '));
    const top = frames[0];
    const tc = await localRustToolchain();
    if (tc?.srcRoot) {
      assert.ok(top.source?.path?.startsWith(tc.srcRoot), `mapped: ${top.source?.path}`);
      assert.ok(fs.existsSync(top.source!.path!));
    } else {
      assert.equal(top.source?.path, undefined, 'no path to a file that is not there');
      assert.equal(top.source?.presentationHint, 'deemphasize');
      assert.match(top.source?.origin ?? '', /\/rustc\/[0-9a-f]+\/library\/core\/src\/fmt\/mod\.rs$/);
      assert.equal(top.presentationHint, 'subtle');
      assert.ok(top.line > 0, 'the line is still reported');
    }
    // The function breakpoint's source is the one its stop shows: mapped, or no path to a missing file.
    assert.deepEqual(bps[0].source, top.source);
    assert.equal(bps[0].line, top.line);
    const kernelBp = bps[1].source?.path ?? '';
    assert.ok(kernelBp.startsWith(KERNEL_SRC) && fs.existsSync(kernelBp), `kernel function: ${kernelBp}`);
    assert.match(fs.readFileSync(kernelBp, 'utf8').split('\n')[bps[1].line! - 1] ?? '', /\S/, 'its line exists');
    const kernel = frames.find(f => f.source?.path?.startsWith(KERNEL_SRC));
    assert.ok(kernel, `a kernel frame with its source: ${frames.map(f => f.name).join(' <- ')}`);
    assert.equal(kernel.presentationHint, 'normal');
    assert.ok(fs.existsSync(kernel.source!.path!));

    // The disassembly's source locations follow the same rule.
    const dis = async (ref: string) => (await s.dc.disassembleRequest({ memoryReference: ref, instructionCount: 4 })).body!.instructions;
    const inCore = (await dis(top.instructionPointerReference!)).find(i => i.location)!;
    assert.ok(inCore, 'core instructions carry a source location');
    if (tc?.srcRoot) assert.ok(fs.existsSync(inCore.location!.path!));
    else assert.deepEqual([inCore.location!.path, inCore.location!.presentationHint], [undefined, 'deemphasize']);
    const inKernel = (await dis(kernel.instructionPointerReference!)).find(i => i.location)!;
    assert.ok(inKernel.location!.path?.startsWith(KERNEL_SRC) && fs.existsSync(inKernel.location!.path));
  });
});
