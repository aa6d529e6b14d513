// Exo-OS part 2 end to end: the normal kernel booted with -smp 4 and the initrd runs /bin/init,
// whose self-checks (COW fork on several CPUs, fd inheritance, exec, the initrd, brk) are
// judged here from the serial output; the kernel's COW trace (exo.cow.trace) is compared with
// init's report and, through gdb, with the COW log and process table in memory.
import { strict as assert } from 'node:assert';
import { execFile } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { kernelArtifact, repoRoot } from '../../unit/kernel/paths';
import { boot, BootResult, freePort, isAlive, startQemu } from './qemu';

const BOOT_TIMEOUT_MS = 180_000;
const DONE = /exo: init: done cow_faults=(\d+)\r?\n/;

interface CowTrace {
  seq: number;
  cpu: number;
  pid: number;
  vaddr: bigint;
  kind: 'copy' | 'reuse';
  refcountBefore: number;
}

function cowTrace(serial: string): CowTrace[] {
  const out: CowTrace[] = [];
  const re = /^exo: cow: seq=(\d+) cpu=(\d+) pid=(\d+) vaddr=0x([0-9a-f]+) kind=(copy|reuse) refcount_before=(\d+)$/gm;
  for (const m of serial.matchAll(re)) {
    out.push({
      seq: Number(m[1]), cpu: Number(m[2]), pid: Number(m[3]), vaddr: BigInt(`0x${m[4]}`),
      kind: m[5] as 'copy' | 'reuse', refcountBefore: Number(m[6]),
    });
  }
  return out.sort((a, b) => a.seq - b.seq);
}

interface Worker {
  k: number;
  pid: number;
  cpu: number;
  saw: string;
  own: string;
  refcount: number;
  runningMax: number;
}

function workers(serial: string): Worker[] {
  const re = /^exo: worker (\d+) pid=(\d+) cpu=(\d+) saw=(.) own=(.) refcount=(\d+) running_max=(\d+)$/gm;
  return [...serial.matchAll(re)].map((m) => ({
    k: Number(m[1]), pid: Number(m[2]), cpu: Number(m[3]), saw: m[4], own: m[5], refcount: Number(m[6]),
    runningMax: Number(m[7]),
  }));
}

function line(serial: string, re: RegExp): RegExpExecArray {
  const m = re.exec(serial);
  assert.ok(m, `no line matching ${re} in:\n${serial}`);
  return m;
}

const initrdArgs = () => ['-initrd', kernelArtifact('initrd.cpio')];

describe('Exo-OS processes (normal kernel, -smp 4, initrd)', function () {
  this.timeout(BOOT_TIMEOUT_MS + 60_000);
  let r: BootResult;

  before(async () => {
    r = await boot({
      elf: kernelArtifact('exo.elf'), smp: 4, extraArgs: initrdArgs(), append: 'exo.cow.trace', until: DONE, settleMs: 1500,
      timeoutMs: BOOT_TIMEOUT_MS,
    });
    assert.ok(!r.timedOut, `timed out after ${r.ms} ms; serial:\n${r.serial}`);
  });

  it('init runs and ends with exactly the done line; the system keeps running, no fault', () => {
    const done = r.serial.split('\n').filter((l) => l.startsWith('exo: init: done'));
    assert.equal(done.length, 1, r.serial);
    assert.match(done[0], /^exo: init: done cow_faults=\d+$/);
    assert.ok(r.aliveAfterMatch, 'the kernel must idle after init is done, not exit');
    assert.doesNotMatch(r.serial, /EXCEPTION|PANIC/);
    assert.ok(!isAlive(r.pid), `QEMU ${r.pid} still running after stop`);
  });

  it('parent and children each see their own values after writing a shared page', () => {
    const ws = workers(r.serial);
    assert.deepEqual(ws.map((w) => w.k).sort(), [0, 1, 2, 3], r.serial);
    for (const w of ws) {
      assert.equal(w.saw, 'P', `worker ${w.k} saw init's value before writing`);
      assert.equal(w.own, String(w.k), `worker ${w.k} keeps its own value`);
    }
    const m = line(r.serial, /exo: init: cow parent=(.) refcount_before=(\d+) refcount_after=(\d+) exit_codes=(\d+)/);
    assert.equal(m[1], 'R');
    assert.equal(Number(m[4]), 10 + 11 + 12 + 13, 'wait() returned every worker exit code');
  });

  it('refcounts return to 1 and no frame leaks once the children exited', () => {
    for (const w of workers(r.serial)) assert.equal(w.refcount, 1, `worker ${w.k}'s private copy`);
    const m = line(r.serial, /exo: init: cow parent=. refcount_before=(\d+) refcount_after=(\d+)/);
    assert.equal(Number(m[1]), 1, 'all sharers gone before init writes');
    assert.equal(Number(m[2]), 1);
    const f = line(r.serial, /exo: init: frames before=(\d+) after=(\d+)/);
    assert.equal(f[2], f[1], 'free frames before the forks == after the children were reaped');
  });

  it('the COW faults match what init did (count, addresses, kinds)', () => {
    const total = Number(line(r.serial, DONE)[1]);
    const trace = cowTrace(r.serial);
    assert.equal(trace.length, total, 'one trace line per fault counted in EXO_COW_TOTAL');
    assert.deepEqual(trace.map((t) => t.seq), Array.from({ length: total }, (_, i) => i + 1));
    const page0 = BigInt(`0x${line(r.serial, /exo: init: pages at ([0-9a-f]+) /)[1]}`);
    for (const w of workers(r.serial)) {
      const mine = trace.filter((t) => t.pid === w.pid && t.vaddr === page0);
      assert.equal(mine.length, 1, `worker ${w.k} (pid ${w.pid}) faulted once on the shared page`);
      assert.equal(mine[0].kind, 'copy', 'init still shared it: copy');
      assert.ok(mine[0].refcountBefore >= 2);
      assert.equal(mine[0].cpu, w.cpu, 'recorded on the CPU the worker ran on');
    }
    const initOnPage0 = trace.filter((t) => t.pid === 1 && t.vaddr === page0);
    assert.deepEqual(initOnPage0.map((t) => [t.kind, t.refcountBefore]), [['reuse', 1]], 'init writes last: reuse in place');
    for (const t of trace) {
      assert.equal(t.kind === 'reuse', t.refcountBefore === 1, `seq ${t.seq}: reuse exactly when the count was 1`);
      assert.equal(t.vaddr % 4096n, 0n);
    }
  });

  it('user processes run on all 4 CPUs at once', () => {
    const ws = workers(r.serial);
    assert.deepEqual([...new Set(ws.map((w) => w.cpu))].sort(), [0, 1, 2, 3], 'one worker per CPU');
    assert.ok(ws.some((w) => w.runningMax === 4), `no worker saw 4 CPUs running user code: ${JSON.stringify(ws)}`);
  });

  it('fds are inherited across fork (shared offset)', () => {
    assert.match(r.serial, /exo: init: fd inherited: child status=0 offset=11 read=11 'child-wrote'\n/);
  });

  it("exec'd hello prints its argv, envp and auxv", () => {
    assert.match(r.serial, /^hello: argc=3 argv\[0\]=hello argv\[1\]=one argv\[2\]=two three$/m);
    assert.match(r.serial, /^hello: env EXO=1$/m);
    assert.match(r.serial, /^hello: auxv 6=1000$/m, 'AT_PAGESZ');
    assert.match(r.serial, /^hello: auxv 9=40[0-9a-f]{4}$/m, 'AT_ENTRY');
    assert.match(r.serial, /^hello: auxv 3=40[0-9a-f]{4}$/m, 'AT_PHDR');
    assert.match(r.serial, /exo: init: hello exited status=0\n/);
  });

  it('a file read from the initrd has the right bytes; directories list; /dev/console writes', () => {
    const motd = readFileSync(join(repoRoot, 'kernel', 'user', 'motd.txt'));
    let sum = 0n;
    for (const b of motd) sum = (sum * 31n + BigInt(b)) & 0xffff_ffff_ffff_ffffn;
    assert.match(r.serial, new RegExp(`exo: init: motd len=${motd.length} sum=${sum.toString(16)}\\n`));
    assert.match(r.serial, /exo: init: \/bin: init hello bad interp\n/);
    assert.match(r.serial, /exo: init: via \/dev\/console\n/);
    assert.match(r.serial, /exo: init: brk grew=8192 ok=1\n/);
  });

  it('a malformed ELF, a PT_INTERP ELF and a missing path fail exec with an error code', () => {
    assert.match(r.serial, /exo: init: exec \/bin\/bad -> -8\n/, 'ENOEXEC for the wrong machine');
    assert.match(r.serial, /exo: init: exec \/bin\/interp -> -8\n/, 'ENOEXEC for PT_INTERP');
    assert.match(r.serial, /exo: init: exec \/bin\/missing -> -2\n/, 'ENOENT');
    assert.match(r.serial, /exo: init: still running as pid 1 after failed execs\n/);
  });

  it('a user fault (write to read-only text, unmapped address) ends only that process', () => {
    assert.match(r.serial, /exo: pid \d+ killed: exception 14 error 0x7 rip 0x40[0-9a-f]+ cr2 0x40[0-9a-f]+\n/);
    assert.match(r.serial, /exo: pid \d+ killed: exception 14 error 0x6 rip 0x40[0-9a-f]+ cr2 0x10\n/);
    assert.match(r.serial, /exo: init: faulting child 0 status=-142\n/);
    assert.match(r.serial, /exo: init: faulting child 1 status=-142\n/);
    assert.equal((r.serial.match(/ killed: /g) ?? []).length, 2, 'no other process was killed');
  });
});

function gdb(args: string[]): Promise<string> {
  return new Promise((resolve, reject) => {
    execFile('gdb', args, { timeout: 120_000, killSignal: 'SIGKILL', maxBuffer: 16 << 20 }, (err, stdout, stderr) => {
      if (err && !stdout) reject(new Error(`gdb failed: ${err.message}\n${stderr}`));
      else resolve(stdout + stderr);
    });
  });
}

describe('Exo-OS COW log and process table under gdb', function () {
  this.timeout(BOOT_TIMEOUT_MS + 60_000);

  it('EXO_COW_LOG/HEAD/TOTAL and EXO_PROCS hold what the serial trace reported', async () => {
    const port = await freePort();
    const qemu = startQemu({
      elf: kernelArtifact('exo.elf'), smp: 4, append: 'exo.cow.trace',
      extraArgs: [...initrdArgs(), '-gdb', `tcp:127.0.0.1:${port}`],
    });
    try {
      const deadline = Date.now() + BOOT_TIMEOUT_MS;
      while (!DONE.test(qemu.serial()) && Date.now() < deadline) await new Promise((res) => setTimeout(res, 200));
      const serial = qemu.serial();
      assert.ok(DONE.test(serial), `init did not finish:\n${serial}`);
      const total = Number(DONE.exec(serial)![1]);
      const trace = cowTrace(serial);
      const ex = (c: string) => ['-ex', c];
      const recs = trace.slice(0, 64).flatMap((t) => ex(`print/x exo::memory::cow::EXO_COW_LOG[${t.seq - 1}]`));
      const out = await gdb([
        '-batch', '-nx', ...ex('set pagination off'), ...ex(`target remote 127.0.0.1:${port}`),
        ...ex('print exo::memory::cow::EXO_COW_TOTAL'), ...ex('print exo::memory::cow::EXO_COW_HEAD'), ...recs,
        ...ex('print exo::proc::EXO_PROCS[0].pid'), ...ex('print exo::proc::EXO_PROCS[0].parent'), ...ex('print exo::proc::EXO_PROCS[0].state'),
        ...ex('print/s exo::proc::EXO_PROCS[0].name'), ...ex('print exo::proc::EXO_PROCS[0].name_len'), ...ex('print/x exo::proc::EXO_PROCS[0].cr3'),
        ...ex('kill'), kernelArtifact('exo.elf'),
      ]);
      const values = [...out.matchAll(/^\$\d+ = (.*)$/gm)].map((m) => m[1]);
      assert.equal(values[0], String(total), out);
      assert.equal(values[1], String(total), out);
      trace.slice(0, 64).forEach((t, i) => {
        const v = values[2 + i];
        assert.match(v, new RegExp(`seq: 0x${t.seq.toString(16)}, cpu: 0x${t.cpu.toString(16)}, pid: 0x${t.pid.toString(16)}, vaddr: 0x${t.vaddr.toString(16)},`), out);
        // print/x shows the enum as its value: Copy = 0, Reuse = 1.
        assert.match(v, new RegExp(`refcount_before: 0x${t.refcountBefore.toString(16)}, kind: 0x${t.kind === 'copy' ? 0 : 1}}`), v);
      });
      const p = values.slice(2 + Math.min(trace.length, 64));
      assert.equal(p[0], '1', 'slot 0 is init (pid 1)');
      assert.equal(p[1], '0', 'init has no parent');
      assert.equal(p[2], 'exo::proc::ProcState::Paused', 'init idles in pause()');
      assert.match(p[3], /^\[105, 110, 105, 116, 0 /, `name "init": ${p[3]}`);
      assert.equal(p[4], '4');
      assert.match(p[5], /^0x[0-9a-f]+000$/);
    } finally {
      await qemu.stop();
    }
    assert.ok(!isAlive(qemu.pid), `QEMU ${qemu.pid} still running`);
  });
});
