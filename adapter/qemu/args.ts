// Pure construction of QEMU's command line from launch options (no I/O, unit-tested).
import type { Logger } from '../common/log';

export interface QemuLaunchOptions {
  qemuPath?: string;          // setting; else `qemu-system-x86_64` from PATH
  kernel?: string;            // -kernel (omit: QEMU sits in SeaBIOS)
  initrd?: string;
  cmdline?: string;
  cpus?: number;              // default 4 (-smp)
  memory?: string;            // default '256M' (-m)
  gdbPort?: number;           // default: a free loopback port; 1234 reproduces -s
  stopAtStart?: boolean;      // -S, default true
  debugExit?: boolean;        // -device isa-debug-exit,iobase=0xf4,iosize=0x04
  extraArgs?: string[];       // the user's qemuArgs, appended last
  serialLog?: string;         // file that receives all serial output
  onSerial?: (text: string) => void; // streamed serial output
  cwd?: string;
  timeoutMs?: number;         // wait for the gdbstub (default 20 s)
  logger?: Logger;
  /** Let the kernel kill QEMU when we die (setpriv --pdeathsig); default true. Tests turn it off. */
  parentDeathGuard?: boolean;
}

export const DEFAULT_CPUS = 4;
export const DEFAULT_MEMORY = '256M';

/** What the launcher decided before building the line: the port and the QMP socket path. */
export interface ResolvedEndpoints {
  gdbPort: number;
  qmpPath: string;
}

/**
 * The full argument vector (without the binary). Values go in as separate array elements, so
 * no shell ever sees them; only -qmp needs QEMU's own comma escaping (`,` → `,,`).
 */
export function buildQemuArgs(opts: QemuLaunchOptions, ep: ResolvedEndpoints): string[] {
  const cpus = opts.cpus ?? DEFAULT_CPUS;
  if (!Number.isInteger(cpus) || cpus < 1 || cpus > 255) {
    throw new RangeError(`cpus must be an integer from 1 to 255, got ${cpus}`);
  }
  if (!Number.isInteger(ep.gdbPort) || ep.gdbPort < 1 || ep.gdbPort > 65535) {
    throw new RangeError(`gdbPort must be an integer from 1 to 65535, got ${ep.gdbPort}`);
  }
  const args: string[] = ['-smp', String(cpus), '-m', opts.memory ?? DEFAULT_MEMORY];
  if (opts.kernel !== undefined) args.push('-kernel', opts.kernel);
  if (opts.initrd !== undefined) args.push('-initrd', opts.initrd);
  if (opts.cmdline !== undefined) args.push('-append', opts.cmdline);
  if (opts.stopAtStart ?? true) args.push('-S');
  args.push(
    '-gdb', `tcp:127.0.0.1:${ep.gdbPort}`,
    '-qmp', `unix:${escapeOptValue(ep.qmpPath)},server=on,wait=off`,
    // The serial port goes to our stdout pipe; the launcher tees it to the log file.
    '-serial', 'stdio',
    '-no-reboot', '-nic', 'none', '-display', 'none', '-monitor', 'none',
  );
  if (opts.debugExit) args.push('-device', 'isa-debug-exit,iobase=0xf4,iosize=0x04');
  if (opts.extraArgs) args.push(...opts.extraArgs);
  return args;
}

/** QEMU option values separate keys with commas; a literal comma is written twice. */
export function escapeOptValue(v: string): string {
  return v.replace(/,/g, ',,');
}
