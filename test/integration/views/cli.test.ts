// `exo-debug` as a user runs it (dist/cli.js in a child process): the demo boots Exo-OS with
// the initrd, exits 0 with its QEMU gone, reports 4 CPUs and a COW timeline whose count is the
// one init printed; `cpus --attach` reads a QEMU someone else started and leaves it running.
import * as assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { launchQemu } from '../../../adapter/qemu/launcher';
import type { CpusResponseBody, ElfMappingsResponseBody, PageTableResponseBody } from '../../../adapter/session/views/protocol';
import type { DemoReport } from '../../../adapter/cli/demo';
import { KERNEL, pidAlive, ROOT } from '../adapter/harness';

const CLI = path.join(ROOT, 'dist/cli.js');
const INITRD = path.join(ROOT, 'build/kernel/initrd.cpio');

function run(args: string[], timeoutMs: number): Promise<{ code: number | null; stdout: string; stderr: string }> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [CLI, ...args], { cwd: ROOT, stdio: ['ignore', 'pipe', 'pipe'] });
    let stdout = '', stderr = '';
    child.stdout.setEncoding('utf8').on('data', (s: string) => { stdout += s; });
    child.stderr.setEncoding('utf8').on('data', (s: string) => { stderr += s; });
    const t = setTimeout(() => { child.kill('SIGKILL'); reject(new Error(`exo-debug ${args.join(' ')} ran over ${timeoutMs} ms:\n${stderr}`)); }, timeoutMs);
    child.on('close', code => { clearTimeout(t); resolve({ code, stdout, stderr }); });
  });
}

describe('exo-debug CLI (dist/cli.js, real QEMU + Exo-OS)', function () {
  this.timeout(300_000);
  before(() => {
    assert.ok(fs.existsSync(CLI), 'dist/cli.js is missing: run npm run build');
    assert.ok(fs.existsSync(KERNEL), 'build/kernel/exo.elf is missing: run npm run build:kernel');
    assert.ok(fs.existsSync(INITRD), 'build/kernel/initrd.cpio is missing: run npm run build:kernel');
  });

  it('demo --json: exit 0, 4 CPUs in long mode, QEMU gone, COW timeline count == init\'s cow_faults', async () => {
    const r = await run(['demo', '--no-build', '--json'], 240_000);
    assert.equal(r.code, 0, r.stderr);
    const d = JSON.parse(r.stdout) as DemoReport;
    assert.equal(d.cpus.cpus.length, 4);
    for (const c of d.cpus.cpus) { assert.equal(c.mode, 'long'); assert.equal(c.kernel?.state, 'Online'); }
    assert.ok(d.qemuPid && !pidAlive(d.qemuPid), 'the demo\'s QEMU has exited');
    assert.equal(d.qemuGone, true);
    assert.ok(d.initCowFaults !== undefined && d.initCowFaults > 0, `init printed its count: ${r.stderr.slice(-500)}`);
    assert.equal(d.cow.source, 'kernel-log');
    assert.equal(d.cow.total, String(d.initCowFaults));
    assert.equal(d.cow.faults.length + d.cow.overwritten, d.initCowFaults);
    assert.deepEqual(d.cow.faults.map(f => f.seq), d.cow.faults.map((_, i) => String(i + 1 + d.cow.overwritten)), 'oldest first, consecutive');
    const kinds = new Set(d.cow.faults.map(f => f.kind));
    assert.ok(kinds.has('copy') && kinds.has('reuse'), `both kinds: ${[...kinds]}`);
    for (const f of d.cow.faults) {
      assert.equal(BigInt(f.address!) & 0xfffn, 0n, 'page-aligned user address');
      assert.ok(BigInt(f.address!) < 0x8000_0000_0000n);
      if (f.kind === 'reuse') { assert.equal(f.refcount, '1'); assert.equal(f.newFrame, f.oldFrame); }
      else { assert.ok(Number(f.refcount) >= 2); assert.notEqual(f.newFrame, f.oldFrame); }
      assert.ok(f.cpu! >= 0 && f.cpu! < 4);
      assert.match(f.symbol ?? '', /^init:/, `user RIP ${f.rip} symbolized in init`);
    }
    assert.ok(d.cow.processes.some(p => p.pid === 1 && p.name === 'init' && p.cr3), 'init in the process table with its CR3');
    assert.equal(d.pageTables.summary!.writableExecutable, 0);
    assert.ok(d.elf.sections.some(s => s.name === '.text'));
  });

  it('--attach: at reset page tables fail cleanly (paging off); detaching lets the VM boot; cpus then sees long mode; QEMU keeps running', async () => {
    const q = await launchQemu({ kernel: KERNEL, cpus: 4, memory: '256M', timeoutMs: 30_000 });
    const attach = ['--attach', `127.0.0.1:${q.gdbPort}`, '--symbols', KERNEL];
    try {
      const t = await run(['pagetables', 'tlb', ...attach, '--json'], 120_000);
      assert.equal(t.code, 1, 'paging is off at reset: a clean failure');
      assert.match(t.stderr, /^exo-debug: CPU 0 has paging off/m);
      assert.ok(pidAlive(q.pid), 'attach detached, QEMU still runs');
      const t0 = Date.now();
      while (!/exo: smp: 4 CPUs online/.test(q.serialOutput())) {
        assert.ok(Date.now() - t0 < 120_000, `the VM resumed after detach and booted: ${q.serialOutput().slice(-300)}`);
        await new Promise(r => setTimeout(r, 100));
      }
      const r = await run(['cpus', ...attach, '--json'], 120_000);
      assert.equal(r.code, 0, r.stderr);
      const b = JSON.parse(r.stdout) as CpusResponseBody;
      assert.deepEqual(b.cpus.map(c => [c.cpu, c.mode, c.cpl, c.kernel?.state]), [0, 1, 2, 3].map(i => [i, 'long', 0, 'Online']));
      const bad = await run(['translate', 'nonsense', ...attach], 60_000);
      assert.equal(bad.code, 1);
      assert.match(bad.stderr, /translate needs an address/);
      assert.ok(pidAlive(q.pid));
    } finally {
      await q.kill();
    }
  });

  it('pagetables summary on a fresh launch (no --attach) matches the demo\'s kernel layout', async () => {
    const r = await run(['pagetables', 'summary', '--json', '--cpu', '1'], 180_000);
    assert.equal(r.code, 0, r.stderr);
    const b = JSON.parse(r.stdout) as PageTableResponseBody;
    assert.equal(b.mode, '4-level');
    assert.ok(b.summary!.leaves > 1000);
    assert.equal(b.summary!.garbageEntries, 0);
    assert.equal(b.summary!.cowBit, 9, 'Exo-OS\'s COW bit by default');
  });

  it('elf FILE --pid 1: init\'s ELF against its own address space (CR3 from EXO_PROCS): user pages, text r-x, data rw or COW (bit 9; --cow-bit none: mismatches)', async () => {
    const init = path.join(ROOT, 'build/kernel/user/init');
    const r = await run(['elf', init, '--pid', '1', '--until', 'exo: init: done', '--json'], 180_000);
    assert.equal(r.code, 0, r.stderr);
    const b = JSON.parse(r.stdout) as ElfMappingsResponseBody;
    assert.deepEqual(b.problems, []);
    const text = b.sections.find(x => x.name === '.text')!;
    assert.equal(text.mappedPages, text.pages);
    assert.deepEqual([...new Set(text.runs.map(x => x.perms?.text))], ['r-x user']);
    const data = b.segments.find(x => x.expected.w)!;
    for (const run of data.runs) {
      assert.equal(run.mapped, true);
      assert.ok(run.perms!.w || run.cow, `${run.start}: writable or copy-on-write`);
      assert.equal(run.perms!.x, false);
    }
    // init's data pages are still COW at "done" (its last fork); they show as such only with bit 9.
    const cowRuns = data.runs.filter(x => x.cow);
    assert.ok(cowRuns.length > 0 && cowRuns.every(x => !x.perms!.w && x.permsMatch), 'read-only COW data pages count as writable with the default bit 9');
    const auto = await run(['elf', '--pid', '1', '--until', 'exo: init: done', '--json', '--cow-bit', 'none'], 180_000);
    assert.equal(auto.code, 0, auto.stderr);
    const none = JSON.parse(auto.stdout) as ElfMappingsResponseBody;
    assert.equal(none.file, init, 'the program found from EXO_PROCS name');
    const noneData = none.segments.find(x => x.expected.w)!;
    assert.ok(noneData.runs.every(x => !x.cow), '--cow-bit none: no page is COW');
    for (const c of cowRuns) {
      assert.ok(noneData.runs.some(x => BigInt(x.start) <= BigInt(c.start) && BigInt(c.start) < BigInt(x.end) && x.permsMatch === false), `${c.start} is a permission mismatch without a COW bit`);
    }
    assert.ok(none.problems.some(p => /is mapped r-- user but the ELF says rw-/.test(p)), none.problems.join('; '));
    const bad = await run(['elf', init, '--pid', '999', '--until', 'exo: init: done'], 180_000);
    assert.equal(bad.code, 1);
    assert.match(bad.stderr, /pid 999 is not in the kernel's process table/);
  });
});
