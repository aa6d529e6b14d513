// Boots a kernel image in QEMU for the kernel's own integration tests (the adapter has its own
// launcher): serial on stdout, no display, no network, the process tracked by PID and always
// ended by us. Every wait is bounded.
import { spawn } from 'node:child_process';
import { createServer } from 'node:net';

export interface BootOptions {
  elf: string;
  smp: number;
  /** Adds isa-debug-exit at 0xf4 (the test runner ends QEMU through it). */
  debugExit?: boolean;
  /** Resolve (and stop QEMU) once the serial output matches, after `settleMs` more. */
  until?: RegExp;
  settleMs?: number;
  append?: string;
  extraArgs?: string[];
  timeoutMs: number;
}

export interface BootResult {
  pid: number;
  serial: string;
  /** QEMU's exit status when it exited by itself; null when we stopped it. */
  exitCode: number | null;
  timedOut: boolean;
  /** Whether QEMU was still running when `until` matched plus settleMs. */
  aliveAfterMatch: boolean;
  ms: number;
}

export function qemuArgs(o: BootOptions): string[] {
  const args = ['-smp', String(o.smp), '-m', '256M', '-kernel', o.elf, '-nographic', '-monitor', 'none',
    '-serial', 'stdio', '-no-reboot', '-nic', 'none'];
  if (o.debugExit) args.push('-device', 'isa-debug-exit,iobase=0xf4,iosize=0x04');
  if (o.append) args.push('-append', o.append);
  if (o.extraArgs) args.push(...o.extraArgs);
  return args;
}

export function isAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
}

export function boot(o: BootOptions): Promise<BootResult> {
  const started = Date.now();
  const child = spawn('qemu-system-x86_64', qemuArgs(o), { stdio: ['ignore', 'pipe', 'pipe'] });
  let serial = '';
  let stderr = '';
  let timedOut = false;
  let stoppedByUs = false;
  let aliveAfterMatch = false;
  let settling = false;
  const stop = () => {
    stoppedByUs = true;
    child.kill('SIGTERM');
    setTimeout(() => child.kill('SIGKILL'), 3000).unref();
  };
  const timer = setTimeout(() => {
    timedOut = true;
    stop();
  }, o.timeoutMs);
  return new Promise((resolve, reject) => {
    child.on('error', (e) => {
      clearTimeout(timer);
      reject(new Error(`cannot start qemu-system-x86_64: ${e.message} (Debian: apt-get install qemu-system-x86)`));
    });
    child.stderr.on('data', (d: Buffer) => {
      stderr += d.toString('latin1');
    });
    child.stdout.on('data', (d: Buffer) => {
      serial += d.toString('latin1');
      if (o.until && !settling && o.until.test(serial)) {
        settling = true;
        setTimeout(() => {
          aliveAfterMatch = child.exitCode === null && child.signalCode === null;
          stop();
        }, o.settleMs ?? 0);
      }
    });
    child.on('exit', (code) => {
      clearTimeout(timer);
      if (stderr.trim() && !stoppedByUs) serial += `\n[qemu stderr] ${stderr}`;
      resolve({
        pid: child.pid ?? -1,
        serial: serial.replace(/\r/g, ''),
        exitCode: stoppedByUs ? null : code,
        timedOut,
        aliveAfterMatch,
        ms: Date.now() - started,
      });
    });
  });
}

/** A free loopback TCP port (bound and released; the gdbstub then binds it). */
export function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const srv = createServer();
    srv.on('error', reject);
    srv.listen(0, '127.0.0.1', () => {
      const addr = srv.address();
      const port = typeof addr === 'object' && addr ? addr.port : 0;
      srv.close(() => resolve(port));
    });
  });
}

export interface RunningQemu {
  pid: number;
  serial(): string;
  /** Ends QEMU (SIGTERM, then SIGKILL after 3 s) and resolves once it has exited. */
  stop(): Promise<void>;
}

/** Starts QEMU and leaves it running (e.g. stopped at reset with -S for a debugger). */
export function startQemu(o: Omit<BootOptions, 'timeoutMs' | 'until'>): RunningQemu {
  const child = spawn('qemu-system-x86_64', qemuArgs({ ...o, timeoutMs: 0 }), { stdio: ['ignore', 'pipe', 'pipe'] });
  let serial = '';
  child.stdout.on('data', (d: Buffer) => {
    serial += d.toString('latin1');
  });
  child.stderr.on('data', (d: Buffer) => {
    serial += d.toString('latin1');
  });
  const exited = new Promise<void>((resolve) => {
    child.on('exit', () => resolve());
    child.on('error', () => resolve());
  });
  return {
    pid: child.pid ?? -1,
    serial: () => serial.replace(/\r/g, ''),
    stop: async () => {
      if (child.exitCode === null && child.signalCode === null) {
        child.kill('SIGTERM');
        const t = setTimeout(() => child.kill('SIGKILL'), 3000);
        await exited;
        clearTimeout(t);
      }
    },
  };
}
