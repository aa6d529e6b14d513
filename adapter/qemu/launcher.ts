// Starts QEMU with its gdbstub on loopback and QMP on a private unix socket, waits until the
// gdbstub listens, captures serial output, and guarantees the process dies with us.
import { spawn, type ChildProcessWithoutNullStreams } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { StringDecoder } from 'node:string_decoder';
import { ExoError } from '../common/errors';
import { nullLogger } from '../common/log';
import { sleep } from '../common/timeout';
import { buildQemuArgs, type QemuLaunchOptions } from './args';
import { findExecutable, sweepStaleTempDirs, TEMP_PREFIX, track, untrack, wrapForParentDeath } from './lifetime';
import { canConnect, freeLoopbackPort, pidListensOn, procNetAvailable } from './ports';
import { explainQemuFailure, qemuNotFound } from './stderr';

export { buildQemuArgs, type QemuLaunchOptions } from './args';

export const DEFAULT_QEMU = 'qemu-system-x86_64';
const DEFAULT_TIMEOUT_MS = 20_000;
const KILL_GRACE_MS = 2_000;
const STDERR_CAP = 64 * 1024;
const SERIAL_MEMORY_CAP = 16 * 1024 * 1024;
const AUTO_PORT_ATTEMPTS = 4;

export interface QemuExit { code: number | null; signal: NodeJS.Signals | null; stderr: string }

export interface QemuInstance {
  readonly pid: number;
  readonly gdbHost: '127.0.0.1';
  readonly gdbPort: number;
  readonly qmpPath: string;   // unix socket in a private 0700 temp dir
  readonly args: readonly string[];
  /** The binary QEMU was started from (resolved path). */
  readonly qemuPath: string;
  /** Whether the kernel kills QEMU when this process dies (setpriv --pdeathsig). */
  readonly parentDeathGuard: boolean;
  serialOutput(): string;     // what the guest printed so far (the last 8-16 MiB of it)
  /** Sends bytes to the guest's serial port. */
  writeSerial(text: string): void;
  readonly exited: Promise<QemuExit>;
  kill(): Promise<void>;      // SIGTERM, SIGKILL after a grace period; removes the temp dir
}

/** What launchQemu gets from its host; replaceable in tests. */
export interface LaunchDeps { freePort: () => Promise<number> }
const defaultDeps: LaunchDeps = { freePort: freeLoopbackPort };

export async function launchQemu(opts: QemuLaunchOptions, deps: LaunchDeps = defaultDeps): Promise<QemuInstance> {
  const log = opts.logger ?? nullLogger;
  const cwd = opts.cwd ?? process.cwd();
  if (!isDirectory(cwd)) throw new ExoError('user', `working directory ${cwd} does not exist: fix "cwd" in the launch configuration`);
  const wanted = opts.qemuPath ?? DEFAULT_QEMU;
  const qemuPath = findExecutable(wanted.includes('/') ? path.resolve(cwd, wanted) : wanted);
  if (!qemuPath) throw qemuNotFound(wanted);
  checkInputFile('kernel', opts.kernel, cwd);
  checkInputFile('initrd', opts.initrd, cwd);
  sweepStaleTempDirs(log);

  for (let attempt = 1; ; attempt++) {
    const port = opts.gdbPort ?? await deps.freePort();
    try {
      return await launchOnce(opts, qemuPath, port, cwd);
    } catch (e) {
      // An automatically chosen port can be taken between our probe and QEMU's bind: retry.
      const raced = e instanceof ExoError && /already in use/.test(e.message);
      if (!raced || opts.gdbPort !== undefined || attempt >= AUTO_PORT_ATTEMPTS) throw e;
      log.debug(`gdb port ${port} was taken before QEMU bound it; retrying with another`);
    }
  }
}

function isDirectory(p: string): boolean {
  try { return fs.statSync(p).isDirectory(); } catch { return false; }
}

function checkInputFile(what: 'kernel' | 'initrd', file: string | undefined, cwd: string): void {
  if (file === undefined) return;
  const p = path.resolve(cwd, file);
  let st: fs.Stats;
  try { st = fs.statSync(p); } catch {
    throw new ExoError('user', `${what} file ${p} does not exist: build it first or fix the "${what}" path in the launch configuration`);
  }
  if (!st.isFile()) throw new ExoError('user', `${what} ${p} is not a file: point "${what}" at the ${what} image`);
}

async function launchOnce(opts: QemuLaunchOptions, qemuPath: string, gdbPort: number, cwd: string): Promise<QemuInstance> {
  const log = opts.logger ?? nullLogger;
  const tmpDir = fs.mkdtempSync(path.join(os.tmpdir(), TEMP_PREFIX)); // mode 0700
  const qmpPath = path.join(tmpDir, 'qmp.sock');
  let logFd: number | undefined;
  try {
    if (opts.serialLog !== undefined) logFd = openLog(path.resolve(cwd, opts.serialLog));
    const args = buildQemuArgs(opts, { gdbPort, qmpPath });
    const { cmd, argv, guarded } = wrapForParentDeath(qemuPath, args, opts.parentDeathGuard ?? true);
    log.debug(`spawning ${qemuPath} ${args.join(' ')}`);
    const child = spawn(cmd, argv, { cwd, stdio: ['pipe', 'pipe', 'pipe'] });
    const inst = attach(child, { opts, qemuPath, gdbPort, qmpPath, tmpDir, args, guarded, logFd });
    if (child.pid !== undefined) fs.writeFileSync(path.join(tmpDir, 'qemu.pid'), String(child.pid));
    logFd = undefined; // owned by the instance now
    await waitReady(inst, child, opts, gdbPort);
    return inst.instance;
  } catch (e) {
    if (logFd !== undefined) fs.closeSync(logFd);
    fs.rmSync(tmpDir, { recursive: true, force: true });
    throw e;
  }
}

function openLog(p: string): number {
  try { return fs.openSync(p, 'w'); } catch (e) {
    throw new ExoError('user', `cannot write the serial log ${p} (${(e as NodeJS.ErrnoException).code ?? 'error'}): fix "serialLog" or its folder's permissions`);
  }
}

interface AttachInfo {
  opts: QemuLaunchOptions; qemuPath: string; gdbPort: number; qmpPath: string; tmpDir: string;
  args: string[]; guarded: boolean; logFd: number | undefined;
}

interface Attached { instance: QemuInstance; stderr(): string; exitedNow(): QemuExit | undefined }

function attach(child: ChildProcessWithoutNullStreams, info: AttachInfo): Attached {
  const { opts, tmpDir, logFd } = info;
  let serial = '';
  let stderr = '';
  let exit: QemuExit | undefined;
  const decoder = new StringDecoder('utf8');
  const logStream = logFd !== undefined ? fs.createWriteStream('', { fd: logFd }) : undefined;

  child.stdout.on('data', (b: Buffer) => {
    logStream?.write(b);
    const text = decoder.write(b);
    if (!text) return;
    serial += text;
    // The log file and the stream get everything; memory keeps the most recent part only.
    if (serial.length > SERIAL_MEMORY_CAP) serial = serial.slice(serial.length - SERIAL_MEMORY_CAP / 2);
    try { opts.onSerial?.(text); } catch (e) { opts.logger?.warn(`onSerial handler threw: ${String(e)}`); }
  });
  child.stderr.on('data', (b: Buffer) => { if (stderr.length < STDERR_CAP) stderr += b.toString('utf8'); });
  child.stdin.on('error', () => { /* QEMU gone: writes are dropped */ });

  const pid = child.pid;
  const exited = new Promise<QemuExit>(resolve => {
    const finish = (code: number | null, signal: NodeJS.Signals | null) => {
      if (exit) return;
      if (pid !== undefined) untrack(pid);
      exit = { code, signal, stderr };
      logStream?.end();
      fs.rmSync(tmpDir, { recursive: true, force: true });
      resolve(exit);
    };
    child.once('close', finish);
    child.once('error', () => finish(null, null)); // spawn failure: no 'close' may follow
  });
  if (pid !== undefined) track(pid, tmpDir);

  let killing: Promise<void> | undefined;
  const kill = () => killing ??= (async () => {
    if (exit) return;
    try { child.kill('SIGTERM'); } catch { /* gone */ }
    const graceful = await Promise.race([exited.then(() => true), sleep(KILL_GRACE_MS).then(() => false)]);
    if (!graceful) {
      try { child.kill('SIGKILL'); } catch { /* gone */ }
      await exited;
    }
  })();

  const instance: QemuInstance = {
    pid: pid ?? -1,
    gdbHost: '127.0.0.1',
    gdbPort: info.gdbPort,
    qmpPath: info.qmpPath,
    args: Object.freeze([...info.args]),
    qemuPath: info.qemuPath,
    parentDeathGuard: info.guarded,
    serialOutput: () => serial,
    writeSerial: (text: string) => { if (!exit) child.stdin.write(text); },
    exited,
    kill,
  };
  return { instance, stderr: () => stderr, exitedNow: () => exit };
}

async function waitReady(a: Attached, child: ChildProcessWithoutNullStreams, opts: QemuLaunchOptions, port: number): Promise<void> {
  const timeoutMs = opts.timeoutMs ?? DEFAULT_TIMEOUT_MS;
  const spawnError = new Promise<Error>(resolve => child.once('error', resolve));
  const useProc = await procNetAvailable();
  const deadline = Date.now() + timeoutMs;
  let err: Error | undefined;
  spawnError.then(e => { err = e; }, () => {});
  for (;;) {
    if (err) {
      throw new ExoError('user', `cannot start ${a.instance.qemuPath}: ${err.message}`, { cause: err });
    }
    const ex = a.exitedNow();
    if (ex) throw explainQemuFailure(ex.stderr, { kernel: opts.kernel, initrd: opts.initrd, gdbPort: port, code: ex.code, signal: ex.signal });
    // Without /proc we fall back to a connect probe; with -S that is harmless (QEMU accepts the
    // next client), but on a running VM it would stop it, hence /proc first.
    const ready = useProc
      ? (child.pid !== undefined && await pidListensOn(child.pid, port)) !== undefined
      : await canConnect('127.0.0.1', port);
    if (ready) return;
    if (Date.now() > deadline) {
      await a.instance.kill();
      throw new ExoError('timeout', `QEMU's gdbstub did not listen on 127.0.0.1:${port} within ${timeoutMs} ms: the machine may be overloaded, raise the timeout`);
    }
    await Promise.race([sleep(25), a.instance.exited]);
  }
}
