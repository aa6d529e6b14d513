// Public surface of the RSP client: the types of api.ts and, as they land, the client and
// transports. Import from 'adapter/rsp' rather than from inner files.
export type {
  Transport, VContSupport, SstepBits, SstepCapability, PhyMemModeCapability, RspFeatures,
  RegisterInfo, RegisterTable, RegisterValues, WatchKind, StopEvent, BreakpointKind, AddrRange,
  MemoryRead, Space, ResumeAction, RspClientOptions, RspClientApi,
} from './api';
export { RspClient } from './client';
export { connectTcp } from './transport/tcp';
export type { ThreadSel } from './codec/threadid';

import type { RspClientOptions } from './api';
import { RspClient } from './client';
import { connectTcp } from './transport/tcp';

/** Connects to QEMU's gdbstub on loopback and negotiates. */
export async function connectRsp(port: number, opts: RspClientOptions & { host?: string; connectTimeoutMs?: number } = {}): Promise<RspClient> {
  return RspClient.connect(await connectTcp(port, opts.host ?? '127.0.0.1', opts.connectTimeoutMs ?? 5000), opts);
}
