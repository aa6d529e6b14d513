import * as assert from 'node:assert/strict';
import { ExoError } from '../../../adapter/common/errors';
import { explainQemuFailure, qemuNotFound } from '../../../adapter/qemu/stderr';

const ctx = { kernel: '/k.elf', gdbPort: 4321, code: 1, signal: null };
const oneSentence = (e: ExoError) => {
  assert.ok(!e.message.includes('\n'), e.message);
  assert.ok(e.message.length < 300, e.message);
};

// The stderr texts are what QEMU 7.2 printed on this machine for each failure.
describe('qemu/stderr', () => {
  it('names a taken gdb port', () => {
    const e = explainQemuFailure('qemu-system-x86_64: -gdb tcp:127.0.0.1:4321: Failed to find an available port: Address already in use\n', ctx);
    assert.equal(e.kind, 'user');
    assert.match(e.message, /gdb port 4321 .* already in use/);
    oneSentence(e);
  });
  it('explains a 64-bit ELF without PVH note or multiboot header', () => {
    for (const s of ['qemu-system-x86_64: Error loading uncompressed kernel without PVH ELF Note\n',
      'qemu-system-x86_64: Cannot load x86-64 image, give a 32bit one.\n']) {
      const e = explainQemuFailure(s, ctx);
      assert.match(e.message, /PVH note/);
      assert.match(e.message, /multiboot/);
      oneSentence(e);
    }
  });
  it('reports a kernel QEMU cannot open', () => {
    const e = explainQemuFailure("qemu: could not open kernel file '/k.elf': No such file or directory\n", ctx);
    assert.match(e.message, /^kernel file \/k\.elf cannot be used: No such file or directory/);
    oneSentence(e);
  });
  it('reports a file that is not a kernel', () => {
    const e = explainQemuFailure('qemu: invalid kernel header\n', ctx);
    assert.match(e.message, /\/k\.elf is not a bootable kernel image/);
  });
  it('falls back to the first stderr line without the program prefix', () => {
    const e = explainQemuFailure('qemu-system-x86_64: -bogus: invalid option\nmore\n', ctx);
    assert.equal(e.message, 'QEMU exited with code 1 before its gdbstub was ready: -bogus: invalid option');
    const k = explainQemuFailure('', { ...ctx, code: null, signal: 'SIGKILL' });
    assert.equal(k.message, 'QEMU was killed by SIGKILL before its gdbstub was ready and printed nothing');
  });
  it('says how to get QEMU when the binary is missing', () => {
    assert.equal(qemuNotFound('qemu-system-x86_64').message,
      'qemu-system-x86_64 not found: install it (Debian: apt-get install qemu-system-x86) or set qemuPath');
  });
});
