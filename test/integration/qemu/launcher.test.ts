import * as assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as net from 'node:net';
import * as os from 'node:os';
import * as path from 'node:path';
import { ExoError } from '../../../adapter/common/errors';
import { launchQemu } from '../../../adapter/qemu/launcher';
import { freeLoopbackPort, listenersOn, socketInodesOf } from '../../../adapter/qemu/ports';
import { connectQmp } from '../../../adapter/qemu/qmpSocket';
import { alive, killAllAndCheck, launch, remember } from './helpers';
import { elf64Multiboot, elf64NoPvh, multibootEchoKernel, multibootSerialKernel } from './tinyElf';

/** One RSP exchange on a fresh connection: proves the gdbstub serves the first real client. */
function rspQuery(port: number, packet: string, host = '127.0.0.1'): Promise<string> {
  return new Promise((resolve, reject) => {
    const s = net.connect({ host, port });
    let got = '';
    const t = setTimeout(() => { s.destroy(); reject(new Error(`no RSP reply, got ${JSON.stringify(got)}`)); }, 10_000);
    s.once('error', e => { clearTimeout(t); reject(e); });
    s.once('connect', () => {
      let sum = 0;
      for (const c of Buffer.from(packet)) sum = (sum + c) & 0xff;
      s.write(`$${packet}#${sum.toString(16).padStart(2, '0')}`);
    });
    s.on('data', d => {
      got += d.toString('latin1');
      const m = /\$([^#]*)#[0-9a-f]{2}/.exec(got);
      if (m) { clearTimeout(t); s.destroy(); resolve(m[1]); }
    });
  });
}

function connectError(host: string, port: number): Promise<string | undefined> {
  return new Promise(resolve => {
    const s = net.connect({ host, port });
    const t = setTimeout(() => { s.destroy(); resolve('timeout'); }, 3000);
    s.once('connect', () => { clearTimeout(t); s.destroy(); resolve(undefined); });
    s.once('error', (e: NodeJS.ErrnoException) => { clearTimeout(t); resolve(e.code ?? e.message); });
  });
}

const oneSentence = (re: RegExp) => (e: unknown) => {
  assert.ok(e instanceof ExoError, `not an ExoError: ${String(e)}`);
  assert.equal(e.kind, 'user');
  assert.ok(!e.message.includes('\n'), `more than one line: ${e.message}`);
  assert.match(e.message, re);
  return true;
};

describe('qemu/launcher (real QEMU)', function () {
  this.timeout(90_000);
  let tmp: string;
  beforeEach(() => { tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'exo-qemutest-')); });
  afterEach(async () => {
    fs.rmSync(tmp, { recursive: true, force: true });
    await killAllAndCheck();
  });

  it('starts paused with the gdbstub on 127.0.0.1 only, served to the first client', async () => {
    const q = await launch();
    assert.ok(alive(q.pid));
    // The listening socket belongs to QEMU and is bound to 127.0.0.1, not to every interface.
    const mine = await socketInodesOf(q.pid);
    const listeners = (await listenersOn(q.gdbPort)).filter(l => mine.has(l.inode));
    assert.deepEqual(listeners.map(l => l.ip), ['127.0.0.1']);
    assert.equal(fs.readFileSync('/proc/net/tcp6', 'utf8').toUpperCase().includes(`:${q.gdbPort.toString(16).toUpperCase().padStart(4, '0')} 00000000000000000000000000000000:0000 0A`), false);
    const otherAddrs = ['127.0.0.2', ...Object.values(os.networkInterfaces()).flat()
      .filter(i => i && i.family === 'IPv4' && !i.internal).map(i => i!.address)];
    for (const a of otherAddrs) assert.equal(await connectError(a, q.gdbPort), 'ECONNREFUSED', `reachable on ${a}`);
    // The readiness check did not consume or disturb the stub: the first real client is served.
    assert.match(await rspQuery(q.gdbPort, 'qSupported:multiprocess+'), /PacketSize=1000/);
    // The QMP socket lives in a private directory.
    assert.equal(fs.statSync(path.dirname(q.qmpPath)).mode & 0o777, 0o700);
    assert.ok(fs.statSync(q.qmpPath).isSocket());
    await q.kill();
    assert.equal(fs.existsSync(path.dirname(q.qmpPath)), false, 'temp dir not removed');
    assert.equal(alive(q.pid), false);
  });

  it('does not stop a VM that runs from the start (readiness never connects to the stub)', async () => {
    const q = await launch({ stopAtStart: false });
    const qmp = await connectQmp(q.qmpPath);
    try {
      assert.deepEqual(await qmp.queryStatus(), { running: true, status: 'running', singlestep: false });
    } finally { qmp.close(); }
  });

  it('captures serial output to the stream, the log file and serialOutput(), and honours debugExit', async () => {
    const kernel = path.join(tmp, 'serial.elf');
    fs.writeFileSync(kernel, multibootSerialKernel('Exo serial check\r\n', 0x10));
    const log = path.join(tmp, 'serial.log');
    let streamed = '';
    const q = await launch({ kernel, serialLog: log, stopAtStart: false, debugExit: true, onSerial: t => { streamed += t; } });
    const ex = await q.exited;
    assert.equal(ex.code, (0x10 << 1) | 1); // isa-debug-exit: (value << 1) | 1
    assert.equal(q.serialOutput(), 'Exo serial check\r\n');
    assert.equal(streamed, 'Exo serial check\r\n');
    assert.equal(fs.readFileSync(log, 'utf8'), 'Exo serial check\r\n');
  });

  it('sends writeSerial text to the guest\'s serial port', async () => {
    const kernel = path.join(tmp, 'echo.elf');
    fs.writeFileSync(kernel, multibootEchoKernel(0x11));
    const q = await launch({ kernel, stopAtStart: false, debugExit: true });
    q.writeSerial('ping over serial!');
    const ex = await q.exited;
    assert.equal(ex.code, (0x11 << 1) | 1);
    assert.equal(q.serialOutput(), 'ping over serial!');
  });

  it('uses a given port (1234-style fixed ports work)', async () => {
    const probe = net.createServer();
    await new Promise<void>(r => probe.listen(0, '127.0.0.1', r));
    const port = (probe.address() as net.AddressInfo).port;
    await new Promise(r => probe.close(r));
    const q = await launch({ gdbPort: port, cpus: 2, memory: '64M' });
    assert.equal(q.gdbPort, port);
    assert.ok(q.args.includes(`tcp:127.0.0.1:${port}`));
  });

  it('an automatically chosen port that gets taken before QEMU binds it is retried with another', async () => {
    const busy = net.createServer();
    await new Promise<void>(r => busy.listen(0, '127.0.0.1', r));
    const taken = (busy.address() as net.AddressInfo).port;
    const offered: number[] = [];
    try {
      const q = await launchQemu({ timeoutMs: 60_000 }, {
        freePort: async () => {
          const p = offered.length === 0 ? taken : await freeLoopbackPort();
          offered.push(p);
          return p;
        },
      });
      remember(q.pid);
      try {
        assert.equal(offered.length, 2);
        assert.equal(q.gdbPort, offered[1]);
        assert.notEqual(q.gdbPort, taken);
      } finally { await q.kill(); }
    } finally { await new Promise(r => busy.close(r)); }
  });

  it('a port already in use gives one clear sentence', async () => {
    const busy = net.createServer();
    await new Promise<void>(r => busy.listen(0, '127.0.0.1', r));
    const port = (busy.address() as net.AddressInfo).port;
    try {
      await assert.rejects(launchQemu({ gdbPort: port, timeoutMs: 60_000 }),
        oneSentence(new RegExp(`^gdb port ${port} on 127\\.0\\.0\\.1 is already in use: choose another gdbPort or omit it`)));
    } finally { await new Promise(r => busy.close(r)); }
  });

  it('a missing qemu binary gives one clear sentence, from PATH and from a setting', async () => {
    const savedPath = process.env.PATH;
    process.env.PATH = tmp; // nothing there
    try {
      await assert.rejects(launchQemu({}), oneSentence(
        /^qemu-system-x86_64 not found: install it \(Debian: apt-get install qemu-system-x86\) or set qemuPath$/));
    } finally { process.env.PATH = savedPath; }
    await assert.rejects(launchQemu({ qemuPath: path.join(tmp, 'no-such-qemu') }), oneSentence(/no-such-qemu not found: install it/));
  });

  it('a missing kernel file gives one clear sentence', async () => {
    const k = path.join(tmp, 'missing.elf');
    await assert.rejects(launchQemu({ kernel: k }), oneSentence(new RegExp(`^kernel file ${k} does not exist`)));
    await assert.rejects(launchQemu({ initrd: path.join(tmp, 'nope.img') }), oneSentence(/^initrd file .* does not exist/));
    await assert.rejects(launchQemu({ cwd: path.join(tmp, 'no-dir') }), oneSentence(/^working directory .*no-dir does not exist/));
  });

  it('a 64-bit kernel without PVH note or multiboot header is explained', async () => {
    for (const [name, bytes] of [['nopvh.elf', elf64NoPvh()], ['mb64.elf', elf64Multiboot()]] as const) {
      const k = path.join(tmp, name);
      fs.writeFileSync(k, bytes);
      await assert.rejects(launchQemu({ kernel: k, timeoutMs: 60_000 }), oneSentence(/PVH note .* multiboot header/));
    }
  });

  it('other QEMU failures keep QEMU\'s own first line', async () => {
    await assert.rejects(launchQemu({ extraArgs: ['-cpu', 'no-such-model'], timeoutMs: 60_000 }),
      oneSentence(/^QEMU exited with code 1 before its gdbstub was ready: unable to find CPU model 'no-such-model'$/));
  });
});
