// Ends the session when the target goes away on its own: QEMU exits or crashes, or the gdbstub
// connection drops. The message says why, in one sentence.
import type { QemuInstance } from '../qemu/launcher';
import type { Runtime } from './runtime';

export function watchTargetEnd(rt: Runtime, qemu: QemuInstance | undefined): void {
  qemu?.exited.then(x => {
    if (rt.isEnded) return;
    const why = x.signal ? `QEMU was killed by ${x.signal}` : `QEMU exited with code ${x.code}`;
    const err = x.stderr.trim().split('\n').filter(Boolean).pop();
    rt.end(`${why}${err ? `: ${err}` : ''}.`);
  }, () => { /* kill() path */ });
  rt.rsp.onClose(err => {
    if (rt.isEnded) return;
    // QEMU's exit usually closes the socket first: give the exit watcher a moment to say why.
    setTimeout(() => rt.end(`The connection to QEMU's gdbstub was lost (${err.message}).`), qemu ? 200 : 0);
  });
}
