// Public surface of adapter/qemu: the launcher and the QMP client.
export { launchQemu, buildQemuArgs, DEFAULT_QEMU, type QemuLaunchOptions, type QemuInstance, type QemuExit, type LaunchDeps } from './launcher';
export { QmpClient, QmpCommandError, DEFAULT_QMP_TIMEOUT_MS, type QmpClientOptions } from './qmpClient';
export { connectQmp, socketTransport } from './qmpSocket';
export type { QmpTransport, QmpStatus, QmpCpu, QmpEvent, QmpEventName } from './qmpTypes';
export { livePids } from './lifetime';
