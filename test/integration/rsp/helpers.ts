// Integration helpers: real QEMU (no kernel, -S: SeaBIOS at the reset vector, real mode),
// a connected RspClient, gdb as the oracle, and a check that every QEMU we started is gone.
import * as assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { launchQemu, QemuInstance } from '../../../adapter/qemu/launcher';
import { connectRsp, RspClient } from '../../../adapter/rsp';

/** Generous: 2 shared cores, TCG, several QEMUs at once. */
export const BOOT_MS = 60_000;
export const BIOS = '/usr/share/seabios/bios-256k.bin';

export interface Target { q: QemuInstance; c: RspClient }

const started: QemuInstance[] = [];

export async function startQemu(): Promise<QemuInstance> {
  const q = await launchQemu({ cpus: 4, memory: '128M', timeoutMs: 30_000 });
  started.push(q);
  return q;
}

export async function startTarget(): Promise<Target> {
  const q = await startQemu();
  const c = await connectRsp(q.gdbPort, { requestTimeoutMs: 10_000 });
  return { q, c };
}

function alive(pid: number): boolean {
  try { process.kill(pid, 0); return true; } catch { return false; }
}

/** Kills what we started and asserts that none of our QEMU processes is left. */
export async function stopAll(): Promise<void> {
  const all = started.splice(0);
  await Promise.all(all.map(q => q.kill()));
  for (const q of all) assert.ok(!alive(q.pid), `QEMU pid ${q.pid} is still alive`);
}

/** Runs gdb in batch mode against the stub, then disconnects (the VM stays paused). */
export function gdbBatch(port: number, commands: string[], timeoutMs = 30_000): Promise<string> {
  const args = ['-nx', '-batch', '-ex', 'set pagination off', '-ex', `target remote 127.0.0.1:${port}`];
  for (const c of commands) args.push('-ex', c);
  args.push('-ex', 'disconnect');
  return new Promise((resolve, reject) => {
    const p = spawn('gdb', args, { stdio: ['ignore', 'pipe', 'pipe'] });
    let out = '';
    p.stdout.on('data', b => { out += b; });
    p.stderr.on('data', b => { out += b; });
    const t = setTimeout(() => { p.kill('SIGKILL'); reject(new Error(`gdb did not finish in ${timeoutMs} ms:\n${out}`)); }, timeoutMs);
    p.on('close', code => { clearTimeout(t); if (code === 0) resolve(out); else reject(new Error(`gdb exited ${code}:\n${out}`)); });
  });
}

/** Parses gdb's `info registers` lines ("rip   0xfff0   0xfff0") into values. */
export function parseGdbRegisters(text: string): Map<string, bigint> {
  const out = new Map<string, bigint>();
  for (const m of text.matchAll(/^(\w+)\s+(0x[0-9a-f]+)\s/gm)) out.set(m[1], BigInt(m[2]));
  return out;
}
