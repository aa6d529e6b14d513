// Launch/attach argument checking: defaults, one-sentence user errors, symbol file choice, and
// the PVH entry note reader used by stopAtEntry.
import * as assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { ExoError } from '../../../adapter/common/errors';
import { attachConfig, launchConfig, symbolFileOf } from '../../../adapter/session/config';
import { kernelEntry } from '../../../adapter/session/kernelEntry';
import { cpuMode, parseCpuMode } from '../../../adapter/session/protocol';

const userErr = (re: RegExp) => (e: unknown) => e instanceof ExoError && e.kind === 'user' && re.test(e.message) && !e.message.includes('\n');

/** A minimal ELF64 header + one PT_NOTE with a Xen PHYS32_ENTRY note. */
function tinyElf(entry: bigint, pvh?: number): Uint8Array {
  const b = Buffer.alloc(0x100);
  b.writeUInt32BE(0x7f454c46, 0); b[4] = 2; b[5] = 1; b[6] = 1;
  b.writeUInt16LE(2, 16); b.writeUInt16LE(62, 18);
  b.writeBigUInt64LE(entry, 24);
  b.writeBigUInt64LE(0x40n, 32);             // e_phoff
  b.writeUInt16LE(56, 54); b.writeUInt16LE(pvh === undefined ? 0 : 1, 56);
  if (pvh !== undefined) {
    b.writeUInt32LE(4, 0x40);                // PT_NOTE
    b.writeBigUInt64LE(0x80n, 0x48);         // p_offset
    b.writeBigUInt64LE(20n, 0x60);           // p_filesz
    b.writeUInt32LE(4, 0x80); b.writeUInt32LE(4, 0x84); b.writeUInt32LE(18, 0x88);
    b.write('Xen\0', 0x8c, 'latin1');
    b.writeUInt32LE(pvh, 0x90);
  }
  return new Uint8Array(b);
}

describe('session/config', () => {
  it('fills launch defaults and resolves paths against cwd', () => {
    const c = launchConfig({ kernel: 'build/k.elf', cwd: '/w' });
    assert.equal(c.kernel, '/w/build/k.elf');
    assert.equal(c.cpus, 4);
    assert.equal(c.memory, '256M');
    assert.equal(c.stopAtEntry, false);
    assert.equal(c.steppingMode, 'isolated');
    assert.deepEqual(c.qemuArgs, []);
  });
  it('rejects bad launch arguments with one sentence each', () => {
    assert.throws(() => launchConfig({}), userErr(/needs "kernel"/));
    assert.throws(() => launchConfig({ kernel: 'k', cpus: 0 }), userErr(/"cpus" must be a whole number from 1 to 255/));
    assert.throws(() => launchConfig({ kernel: 'k', cpus: 2.5 }), userErr(/"cpus"/));
    assert.throws(() => launchConfig({ kernel: 'k', gdbPort: 70000 }), userErr(/"gdbPort"/));
    assert.throws(() => launchConfig({ kernel: 'k', qemuArgs: ['-s', 3] as unknown as string[] }), userErr(/"qemuArgs" must be an array of strings/));
    assert.throws(() => launchConfig({ kernel: 'k', steppingMode: 'fast' as never }), userErr(/"steppingMode" must be one of isolated, irqs, all/));
  });
  it('attach needs a port and defaults to loopback', () => {
    assert.throws(() => attachConfig({}), userErr(/needs "port"/));
    const c = attachConfig({ port: 1234 });
    assert.equal(c.host, '127.0.0.1');
    assert.equal(c.port, 1234);
  });
  it('uses the kernel as symbols when it is an ELF, not when it is a bzImage', () => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'exo-cfg-'));
    try {
      const elf = path.join(dir, 'k.elf');
      const bz = path.join(dir, 'bzImage');
      fs.writeFileSync(elf, tinyElf(0x100000n));
      fs.writeFileSync(bz, Buffer.from('MZ\0\0HdrS'));
      assert.equal(symbolFileOf(elf, undefined), elf);
      assert.equal(symbolFileOf(bz, undefined), undefined);
      assert.throws(() => symbolFileOf(bz, path.join(dir, 'missing')), userErr(/does not exist/));
    } finally { fs.rmSync(dir, { recursive: true }); }
  });
  it('stopAtEntry uses the PVH note entry, else e_entry', () => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'exo-cfg-'));
    try {
      const a = path.join(dir, 'a'); const b = path.join(dir, 'b');
      fs.writeFileSync(a, tinyElf(0xffffffff81000000n, 0x1000018));
      fs.writeFileSync(b, tinyElf(0x100000n));
      assert.equal(kernelEntry(a), 0x1000018n);
      assert.equal(kernelEntry(b), 0x100000n);
      assert.equal(kernelEntry(path.join(dir, 'none')), undefined);
    } finally { fs.rmSync(dir, { recursive: true }); }
  });
  it('maps breakpoint modes to CPUs', () => {
    assert.equal(parseCpuMode(cpuMode(3)), 3);
    assert.equal(parseCpuMode('all'), undefined);
    assert.equal(parseCpuMode(undefined), undefined);
    assert.equal(parseCpuMode('bogus'), undefined);
  });
});
