// Drives dist/adapter.js with DebugClient against real QEMU + Exo-OS: marker lookup (fails on
// missing/duplicate markers), launch with breakpoints, stop waits, and QEMU PID tracking so
// tests can assert that what they started is gone.
import * as assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { DebugClient } from '@vscode/debugadapter-testsupport';
import type { DebugProtocol } from '@vscode/debugprotocol';
import type { ExoLaunchArguments } from '../../../adapter/session/protocol';

export const ROOT = path.resolve(__dirname, '../../..');
export const ADAPTER = path.join(ROOT, 'dist/adapter.js');
export const KERNEL = path.join(ROOT, 'build/kernel/exo.elf');
export const KERNEL_SRC = path.join(ROOT, 'kernel/src');
/** Generous: 2 shared cores, TCG, several QEMUs at once. */
export const WAIT_MS = 60_000;

export interface Marker { path: string; line: number }

function rustFiles(dir: string): string[] {
  return fs.readdirSync(dir, { withFileTypes: true }).flatMap(d => {
    const p = path.join(dir, d.name);
    return d.isDirectory() ? rustFiles(p) : /\.(rs|S|s)$/.test(d.name) ? [p] : [];
  });
}

/** The one line carrying `#BP:name`; fails when it is missing or appears twice. */
export function findMarker(name: string): Marker {
  const re = new RegExp(`#BP:${name}(?![\\w])`);
  const hits: Marker[] = [];
  for (const f of rustFiles(KERNEL_SRC)) {
    fs.readFileSync(f, 'utf8').split('\n').forEach((text, i) => { if (re.test(text)) hits.push({ path: f, line: i + 1 }); });
  }
  assert.equal(hits.length, 1, `marker #BP:${name} must appear exactly once in kernel/src, found ${hits.length}`);
  return hits[0];
}

export function requireBuilt(): void {
  assert.ok(fs.existsSync(ADAPTER), 'dist/adapter.js is missing: run npm run build');
  assert.ok(fs.existsSync(KERNEL), 'build/kernel/exo.elf is missing: run npm run build:kernel');
}

export function pidAlive(pid: number): boolean {
  try { process.kill(pid, 0); return true; } catch { return false; }
}

export async function waitFor(cond: () => boolean, ms: number, what: string): Promise<void> {
  const t0 = Date.now();
  while (!cond()) {
    if (Date.now() - t0 > ms) assert.fail(`timed out after ${ms} ms waiting for ${what}`);
    await new Promise(r => setTimeout(r, 20));
  }
}

export class Session {
  readonly dc: DebugClient;
  readonly output: string[] = [];
  qemuPid: number | undefined;
  private stoppedEvents: DebugProtocol.StoppedEvent[] = [];
  private stopWaiters: ((e: DebugProtocol.StoppedEvent) => void)[] = [];

  constructor() {
    this.dc = new DebugClient('node', ADAPTER, 'exo-kernel', { cwd: ROOT });
    this.dc.defaultTimeout = WAIT_MS;
    this.dc.on('output', (e: DebugProtocol.OutputEvent) => {
      this.output.push(e.body.output);
      const m = /QEMU (\d+) started/.exec(e.body.output);
      if (m) this.qemuPid = Number(m[1]);
    });
    this.dc.on('stopped', (e: DebugProtocol.StoppedEvent) => {
      const w = this.stopWaiters.shift();
      if (w) w(e); else this.stoppedEvents.push(e);
    });
  }

  async start(): Promise<void> { await this.dc.start(); }

  /** A stopped event already received, without waiting. */
  takeStop(): DebugProtocol.StoppedEvent | undefined { return this.stoppedEvents.shift(); }

  /** The next stopped event (already received ones first). */
  nextStop(ms = WAIT_MS): Promise<DebugProtocol.StoppedEvent> {
    const e = this.stoppedEvents.shift();
    if (e) return Promise.resolve(e);
    return new Promise((resolve, reject) => {
      const t = setTimeout(() => reject(new Error(`no stopped event within ${ms} ms; output:\n${this.output.join('').slice(-2000)}`)), ms);
      this.stopWaiters.push(ev => { clearTimeout(t); resolve(ev); });
    });
  }

  /** initialize → attach to a QEMU stopped at a breakpoint (`port`), configurationDone; returns its stop. */
  async attachStopped(port: number): Promise<DebugProtocol.StoppedEvent> {
    await this.dc.initializeRequest({ adapterID: 'exo-kernel', pathFormat: 'path', linesStartAt1: true, columnsStartAt1: true });
    const initialized = this.dc.waitForEvent('initialized');
    const attached = this.dc.attachRequest({ port, symbols: KERNEL, timeoutMs: 15_000 } as DebugProtocol.AttachRequestArguments);
    await initialized;
    await this.dc.configurationDoneRequest();
    await attached;
    return this.nextStop();
  }

  /** initialize → launch; on `initialized` sets the breakpoints, then configurationDone. */
  async launch(args: ExoLaunchArguments, bps: (Marker & Partial<DebugProtocol.SourceBreakpoint>)[] = [],
    before?: () => Promise<void>): Promise<DebugProtocol.SetBreakpointsResponse[]> {
    await this.dc.initializeRequest({ adapterID: 'exo-kernel', linesStartAt1: true, columnsStartAt1: true, pathFormat: 'path' });
    const launched = this.dc.launchRequest({ kernel: KERNEL, cpus: 4, timeoutMs: 15_000, ...args } as DebugProtocol.LaunchRequestArguments);
    const initialized = this.dc.waitForEvent('initialized', WAIT_MS);
    const first = await Promise.race([initialized, launched]);
    if ((first as DebugProtocol.Response).type === 'response') return [];
    const byFile = new Map<string, DebugProtocol.SourceBreakpoint[]>();
    for (const b of bps) {
      const { path: p, ...rest } = b;
      byFile.set(p, [...(byFile.get(p) ?? []), rest]);
    }
    const responses: DebugProtocol.SetBreakpointsResponse[] = [];
    for (const [p, list] of byFile) responses.push(await this.dc.setBreakpointsRequest({ source: { path: p }, breakpoints: list }));
    if (before) await before();
    await this.dc.configurationDoneRequest();
    await launched;
    return responses;
  }

  async topFrame(threadId: number): Promise<DebugProtocol.StackFrame> {
    const st = await this.dc.stackTraceRequest({ threadId, levels: 20 });
    return st.body.stackFrames[0];
  }

  /** Terminates and asserts our QEMU process is gone. */
  async close(): Promise<void> {
    try { await this.dc.terminateRequest(); } catch { /* already ended */ }
    try { await this.dc.stop(); } catch { /* ignore */ }
    const pid = this.qemuPid;
    if (pid !== undefined) await waitFor(() => !pidAlive(pid), 10_000, `QEMU ${pid} to exit`);
  }
}
