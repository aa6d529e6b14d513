// Boots the PVH test kernel in real QEMU with a connected RSP client, optionally runs it to its
// halt label, and always ends the QEMU it started (checked by PID). Failures say what QEMU did.
import * as assert from 'node:assert/strict';
import * as fs from 'node:fs';
import { rspThread } from '../../../adapter/common/types';
import { launchQemu, QemuInstance } from '../../../adapter/qemu/launcher';
import { connectRsp, RspClient } from '../../../adapter/rsp';
import { BuiltKernel, buildTestKernel, TestPagingMode } from './testKernel';

export interface Booted { readonly kernel: BuiltKernel; readonly q: QemuInstance; readonly c: RspClient }

export interface BootOptions {
  readonly cpus?: number;
  readonly extraArgs?: string[];
  /** Run to the kernel's halt label (hardware breakpoint) before returning. */
  readonly toHalt?: boolean;
}

export async function bootTestKernel(mode: TestPagingMode, opts: BootOptions = {}): Promise<Booted> {
  const kernel = buildTestKernel(mode);
  const q = await launchQemu({ kernel: kernel.elf, cpus: opts.cpus ?? 1, memory: '128M', extraArgs: opts.extraArgs, timeoutMs: 30_000 });
  let c: RspClient | undefined;
  try {
    c = await connectRsp(q.gdbPort, { requestTimeoutMs: 20_000 });
    if (opts.toHalt) {
      await c.insertBreakpoint('hw', kernel.haltVirt);
      await c.resume([{ kind: 'continue' }]);
      const stop = await c.waitForStop(120_000);
      await c.removeBreakpoint('hw', kernel.haltVirt);
      const rip = (await c.readRegisters(stop.thread ?? rspThread(1))).get('rip');
      assert.equal(rip, kernel.haltVirt & (mode === 'long' || mode === 'la57' ? ~0n : 0xffff_ffffn), `stopped at 0x${rip?.toString(16)}, not at the halt label`);
    }
    return { kernel, q, c };
  } catch (e) {
    c?.close();
    await q.kill();
    fs.rmSync(kernel.dir, { recursive: true, force: true });
    const why = e instanceof Error ? e.message : String(e);
    throw new Error(`booting the ${mode} test kernel failed: ${why} (QEMU pid ${q.pid}; serial: ${JSON.stringify(q.serialOutput().slice(-200))})`);
  }
}

export async function shutdown(b: Booted | undefined): Promise<void> {
  if (!b) return;
  b.c.close();
  const pid = b.q.pid;
  await b.q.kill();
  assert.throws(() => process.kill(pid, 0), 'our QEMU must be gone');
  fs.rmSync(b.kernel.dir, { recursive: true, force: true });
}
