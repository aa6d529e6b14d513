// Turns QEMU's stderr (and spawn failures) into one clear, actionable sentence as an ExoError.
import { ExoError } from '../common/errors';

export const QEMU_NOT_FOUND_HINT =
  'install it (Debian: apt-get install qemu-system-x86) or set qemuPath';

export function qemuNotFound(path: string): ExoError {
  return new ExoError('user', `${path} not found: ${QEMU_NOT_FOUND_HINT}`);
}

export interface FailureContext {
  kernel?: string;
  initrd?: string;
  gdbPort: number;
  code: number | null;
  signal: NodeJS.Signals | null;
}

/** One sentence for a QEMU that exited before its gdbstub listened. */
export function explainQemuFailure(stderr: string, ctx: FailureContext): ExoError {
  const text = stderr.trim();
  const has = (re: RegExp) => re.test(text);
  if (has(/-gdb [^:]*:[^:]*:\d+: .*(Address already in use|Failed to find an available port)/)) {
    return new ExoError('user',
      `gdb port ${ctx.gdbPort} on 127.0.0.1 is already in use: choose another gdbPort or omit it to use a free port`);
  }
  if (has(/Cannot load x86-64 image|without PVH ELF Note/)) {
    return new ExoError('user',
      `QEMU cannot boot ${ctx.kernel ?? 'the kernel'}: it is a 64-bit ELF without a PVH note (XEN_ELFNOTE_PHYS32_ENTRY) or a multiboot header; add one, or pass a 32-bit multiboot ELF or a bzImage`);
  }
  const open = /could not (?:open|load) (kernel|initrd) (?:file )?'([^']*)': (.*)/.exec(text);
  if (open) {
    return new ExoError('user', `${open[1]} file ${open[2]} cannot be used: ${open[3].trim()}; check the ${open[1]} path in the launch configuration`);
  }
  if (has(/invalid kernel header/)) {
    return new ExoError('user',
      `${ctx.kernel ?? 'the kernel'} is not a bootable kernel image (QEMU: invalid kernel header): pass an ELF with a PVH note, a multiboot ELF or a bzImage`);
  }
  if (has(/Failed to bind socket to .*qmp|-qmp /)) {
    return new ExoError('internal', `QEMU could not open its QMP socket: ${firstQemuLine(text)}`);
  }
  const first = firstQemuLine(text);
  const how = ctx.signal ? `was killed by ${ctx.signal}` : `exited with code ${ctx.code}`;
  return new ExoError('user', first
    ? `QEMU ${how} before its gdbstub was ready: ${first}`
    : `QEMU ${how} before its gdbstub was ready and printed nothing`);
}

/** The first meaningful stderr line without QEMU's "qemu-system-x86_64: " prefix. */
function firstQemuLine(text: string): string {
  const line = text.split('\n').map(l => l.trim()).find(l => l.length > 0) ?? '';
  return line.replace(/^(qemu-system-[\w-]+|qemu): /, '');
}
