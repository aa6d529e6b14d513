// Checks and completes launch/attach arguments before anything starts, so bad input is one
// clear sentence and not a QEMU error later.
import * as fs from 'node:fs';
import * as path from 'node:path';
import { userError } from '../common/errors';
import type { ExoAttachArguments, ExoLaunchArguments, SteppingMode } from './protocol';

export interface LaunchConfig {
  kernel: string;
  symbols?: string;
  cpus: number;
  memory: string;
  initrd?: string;
  cmdline?: string;
  qemuPath?: string;
  qemuArgs: string[];
  gdbPort?: number;
  stopAtEntry: boolean;
  buildCommand?: string;
  cwd: string;
  steppingMode: SteppingMode;
  timeoutMs: number;
}

export interface AttachConfig {
  host: string;
  port: number;
  symbols?: string;
  cpus?: number;
  steppingMode: SteppingMode;
  timeoutMs: number;
}

const MODES: SteppingMode[] = ['isolated', 'irqs', 'all'];

function steppingMode(v: unknown): SteppingMode {
  if (v === undefined) return 'isolated';
  if (typeof v === 'string' && (MODES as string[]).includes(v)) return v as SteppingMode;
  throw userError(`"steppingMode" must be one of ${MODES.join(', ')}, not ${JSON.stringify(v)}.`);
}

function optString(args: Record<string, unknown>, key: string): string | undefined {
  const v = args[key];
  if (v === undefined || v === null || v === '') return undefined;
  if (typeof v !== 'string') throw userError(`"${key}" must be a string in the launch configuration.`);
  return v;
}

function optInt(args: Record<string, unknown>, key: string, min: number, max: number): number | undefined {
  const v = args[key];
  if (v === undefined || v === null) return undefined;
  if (typeof v !== 'number' || !Number.isInteger(v) || v < min || v > max) {
    throw userError(`"${key}" must be a whole number from ${min} to ${max}, not ${JSON.stringify(v)}.`);
  }
  return v;
}

/** Validates launch arguments; the kernel file is checked after the build ran. */
export function launchConfig(a: ExoLaunchArguments): LaunchConfig {
  const args = a as Record<string, unknown>;
  const cwd = path.resolve(optString(args, 'cwd') ?? process.cwd());
  const kernel = optString(args, 'kernel');
  if (!kernel) throw userError('The launch configuration needs "kernel": the image QEMU boots (e.g. build/kernel/exo.elf).');
  const qemuArgs = args.qemuArgs ?? [];
  if (!Array.isArray(qemuArgs) || qemuArgs.some(x => typeof x !== 'string')) throw userError('"qemuArgs" must be an array of strings.');
  const abs = (p: string | undefined) => (p === undefined ? undefined : path.resolve(cwd, p));
  return {
    kernel: abs(kernel) as string,
    symbols: abs(optString(args, 'symbols')),
    cpus: optInt(args, 'cpus', 1, 255) ?? 4,
    memory: optString(args, 'memory') ?? '256M',
    initrd: abs(optString(args, 'initrd')),
    cmdline: optString(args, 'cmdline'),
    qemuPath: optString(args, 'qemuPath'),
    qemuArgs: qemuArgs as string[],
    gdbPort: optInt(args, 'gdbPort', 1, 65535),
    stopAtEntry: args.stopAtEntry === true,
    buildCommand: optString(args, 'buildCommand'),
    cwd,
    steppingMode: steppingMode(args.steppingMode),
    timeoutMs: optInt(args, 'timeoutMs', 100, 600_000) ?? 10_000,
  };
}

export function attachConfig(a: ExoAttachArguments): AttachConfig {
  const args = a as Record<string, unknown>;
  const port = optInt(args, 'port', 1, 65535);
  if (port === undefined) throw userError('The attach configuration needs "port": the gdbstub\'s TCP port (1234 for QEMU -s).');
  const symbols = optString(args, 'symbols');
  return {
    host: optString(args, 'host') ?? '127.0.0.1',
    port,
    symbols: symbols ? path.resolve(symbols) : undefined,
    cpus: optInt(args, 'cpus', 1, 255),
    steppingMode: steppingMode(args.steppingMode),
    timeoutMs: optInt(args, 'timeoutMs', 100, 600_000) ?? 10_000,
  };
}

/** The ELF with debug info: `symbols`, else `kernel` when it is an ELF (a bzImage is not). */
export function symbolFileOf(kernel: string, symbols: string | undefined): string | undefined {
  if (symbols) {
    if (!fs.existsSync(symbols)) throw userError(`symbols file ${symbols} does not exist: fix "symbols" in the launch configuration.`);
    return symbols;
  }
  try {
    const fd = fs.openSync(kernel, 'r');
    const magic = Buffer.alloc(4);
    fs.readSync(fd, magic, 0, 4, 0);
    fs.closeSync(fd);
    return magic.equals(Buffer.from([0x7f, 0x45, 0x4c, 0x46])) ? kernel : undefined;
  } catch {
    return undefined;
  }
}
