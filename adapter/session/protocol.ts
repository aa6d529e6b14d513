// The adapter's DAP contract beyond the standard protocol: launch/attach arguments and custom
// requests/events. Shared by the session, the extension and tests (no runtime dependencies).

import type { FaultTraceSpec } from '../kernel/faultTrace';

export type SteppingMode = 'isolated' | 'irqs' | 'all';

export interface ExoLaunchArguments {
  kernel?: string;
  symbols?: string;
  cpus?: number;
  memory?: string;
  initrd?: string;
  cmdline?: string;
  qemuPath?: string;
  qemuArgs?: string[];
  gdbPort?: number;
  stopAtEntry?: boolean;
  buildCommand?: string;
  cwd?: string;
  steppingMode?: SteppingMode;
  /** Milliseconds to wait for QEMU's gdbstub and for each RSP request (tests raise it). */
  timeoutMs?: number;
  /** Hidden breakpoint recording faults for exo/cowFaults, e.g. {"function": "wp_page_copy"}. */
  faultTrace?: FaultTraceSpec;
  /** Software PTE bit the kernel uses for copy-on-write: 0-63, or "none" (Linux). Default 9 (Exo-OS). */
  cowBit?: number | 'none' | null;
}

export interface ExoAttachArguments {
  host?: string;
  port?: number;
  symbols?: string;
  cpus?: number;
  steppingMode?: SteppingMode;
  timeoutMs?: number;
  faultTrace?: FaultTraceSpec;
  cowBit?: number | 'none' | null;
}

/** Breakpoint mode ids announced in capabilities: 'all' or 'cpu<n>'. */
export const ALL_CPUS_MODE = 'all';
export const cpuMode = (cpu: number) => `cpu${cpu}`;
export function parseCpuMode(mode: string | undefined): number | undefined {
  if (!mode || mode === ALL_CPUS_MODE) return undefined;
  const m = /^cpu(\d+)$/.exec(mode);
  return m ? Number(m[1]) : undefined;
}

/** DAP thread id of vCPU n (0-based "CPU n") is n+1, which is also its RSP thread id. */
export const threadIdOfCpu = (cpu: number) => cpu + 1;
export const cpuOfThreadId = (threadId: number) => threadId - 1;

/** Custom request `exo/breakpointHits`: per breakpoint, hits per vCPU (including the hits on
 *  other vCPUs that a per-CPU breakpoint resumed silently). */
export interface BreakpointHitsResponseBody {
  breakpoints: { id: number; hits: number; hitsByCpu: Record<string, number> }[];
}
export const BREAKPOINT_HITS_REQUEST = 'exo/breakpointHits';
