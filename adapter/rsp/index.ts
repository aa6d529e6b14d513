// Public surface of the RSP client: the types of api.ts and, as they land, the client and
// transports. Import from 'adapter/rsp' rather than from inner files.
export type {
  Transport, VContSupport, SstepBits, SstepCapability, PhyMemModeCapability, RspFeatures,
  RegisterInfo, RegisterTable, RegisterValues, WatchKind, StopEvent, BreakpointKind, AddrRange,
  MemoryRead, Space, ResumeAction, RspClientOptions, RspClientApi,
} from './api';
