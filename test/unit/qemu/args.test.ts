import * as assert from 'node:assert/strict';
import { buildQemuArgs, escapeOptValue } from '../../../adapter/qemu/args';

const ep = { gdbPort: 40000, qmpPath: '/tmp/exo-qemu-x/qmp.sock' };

/** The value following `flag`, asserting the flag occurs exactly once. */
function valueOf(args: string[], flag: string): string {
  const idx = args.flatMap((a, i) => (a === flag ? [i] : []));
  assert.equal(idx.length, 1, `${flag} occurs ${idx.length} times in ${args.join(' ')}`);
  return args[idx[0] + 1];
}

describe('qemu/args', () => {
  it('defaults: 4 CPUs, 256M, -S, loopback gdbstub, private QMP, serial on stdio, no NIC/display/monitor', () => {
    const a = buildQemuArgs({}, ep);
    assert.equal(valueOf(a, '-smp'), '4');
    assert.equal(valueOf(a, '-m'), '256M');
    assert.ok(a.includes('-S'));
    assert.equal(valueOf(a, '-gdb'), 'tcp:127.0.0.1:40000');
    assert.equal(valueOf(a, '-qmp'), 'unix:/tmp/exo-qemu-x/qmp.sock,server=on,wait=off');
    assert.equal(valueOf(a, '-serial'), 'stdio');
    assert.equal(valueOf(a, '-nic'), 'none');
    assert.equal(valueOf(a, '-display'), 'none');
    assert.equal(valueOf(a, '-monitor'), 'none');
    assert.ok(a.includes('-no-reboot'));
    for (const absent of ['-kernel', '-initrd', '-append', '-device', '-s']) assert.ok(!a.includes(absent), absent);
  });

  it('passes kernel, initrd, cmdline, cpus and memory as single, unsplit arguments', () => {
    const a = buildQemuArgs({
      kernel: '/k dir/kernel; rm -rf ~', initrd: '/i,n.img', cmdline: 'console=ttyS0 quiet "x y"',
      cpus: 2, memory: '1G', stopAtStart: false,
    }, ep);
    assert.equal(valueOf(a, '-kernel'), '/k dir/kernel; rm -rf ~');
    assert.equal(valueOf(a, '-initrd'), '/i,n.img');
    assert.equal(valueOf(a, '-append'), 'console=ttyS0 quiet "x y"');
    assert.equal(valueOf(a, '-smp'), '2');
    assert.equal(valueOf(a, '-m'), '1G');
    assert.ok(!a.includes('-S'));
  });

  it('port 1234 reproduces -s but on loopback only', () => {
    assert.equal(valueOf(buildQemuArgs({ gdbPort: 1234 }, { ...ep, gdbPort: 1234 }), '-gdb'), 'tcp:127.0.0.1:1234');
  });

  it('adds isa-debug-exit on request and appends extra args last, in order', () => {
    const a = buildQemuArgs({ debugExit: true, extraArgs: ['-cpu', 'max', '-d', 'int'] }, ep);
    assert.equal(valueOf(a, '-device'), 'isa-debug-exit,iobase=0xf4,iosize=0x04');
    assert.deepEqual(a.slice(-4), ['-cpu', 'max', '-d', 'int']);
  });

  it('escapes commas in the QMP socket path', () => {
    assert.equal(escapeOptValue('/tmp/a,b'), '/tmp/a,,b');
    const a = buildQemuArgs({}, { gdbPort: 1, qmpPath: '/tmp/a,b/qmp.sock' });
    assert.equal(valueOf(a, '-qmp'), 'unix:/tmp/a,,b/qmp.sock,server=on,wait=off');
  });

  it('rejects nonsense CPU counts and ports', () => {
    assert.throws(() => buildQemuArgs({ cpus: 0 }, ep), RangeError);
    assert.throws(() => buildQemuArgs({ cpus: 2.5 }, ep), RangeError);
    assert.throws(() => buildQemuArgs({}, { ...ep, gdbPort: 70000 }), RangeError);
  });
});
