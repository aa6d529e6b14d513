// `npm run bench -- rsp`: RSP client cost against QEMU 7.2 (no kernel, -S): small round-trip
// median, and 1 MiB physical read throughput through the client vs a minimal raw-socket loop
// of `m` packets, measured in the same run on the same QEMU, printed as a ratio (target ≥ 0.9×).
import * as net from 'node:net';
import { launchQemu } from '../adapter/qemu/launcher';
import { connectRsp } from '../adapter/rsp';
import { phys, rspThread } from '../adapter/common/types';

const MIB = 1 << 20;
const BASE = 0x100000n;
const ROUNDS = 15;
const SMALL = 2000;

const median = (xs: number[]) => { const s = [...xs].sort((a, b) => a - b); return s[s.length >> 1]; };
const now = () => Number(process.hrtime.bigint()) / 1e6;

/** A minimal RSP loop on a raw socket: one `m` at a time, checksum not verified, no acks. */
class RawRsp {
  private buf: Buffer = Buffer.alloc(0);
  private waiter?: (payload: string) => void;
  private constructor(private readonly sock: net.Socket) {
    sock.setNoDelay(true);
    sock.on('data', (b: Buffer) => {
      this.buf = this.buf.length ? Buffer.concat([this.buf, b]) : b;
      for (;;) {
        const start = this.buf.indexOf(0x24); // '$'
        const end = start < 0 ? -1 : this.buf.indexOf(0x23, start); // '#'
        if (end < 0 || this.buf.length < end + 3) return;
        const payload = this.buf.toString('latin1', start + 1, end);
        this.buf = this.buf.subarray(end + 3);
        const w = this.waiter; this.waiter = undefined; w?.(payload);
      }
    });
  }
  static connect(port: number): Promise<RawRsp> {
    return new Promise((resolve, reject) => {
      const s = net.createConnection({ host: '127.0.0.1', port }, () => resolve(new RawRsp(s)));
      s.once('error', reject);
    });
  }
  request(payload: string): Promise<string> {
    let sum = 0;
    for (let i = 0; i < payload.length; i++) sum = (sum + payload.charCodeAt(i)) & 0xff;
    return new Promise(resolve => {
      this.waiter = resolve;
      this.sock.write(`$${payload}#${sum.toString(16).padStart(2, '0')}`, 'latin1');
    });
  }
  close(): Promise<void> { return new Promise(r => { this.sock.once('close', () => r()); this.sock.destroy(); }); }
}

async function rawRound(port: number): Promise<{ mib: number; small: number }> {
  const raw = await RawRsp.connect(port);
  await raw.request('qSupported:multiprocess+');
  await raw.request('Qqemu.PhyMemMode:1');
  const out = Buffer.alloc(MIB);
  const t0 = now();
  for (let off = 0; off < MIB; off += 0x800) {
    const hex = await raw.request(`m${(BASE + BigInt(off)).toString(16)},800`);
    out.write(hex, off, 'hex');
  }
  const mib = now() - t0;
  const times: number[] = [];
  for (let i = 0; i < SMALL / 4; i++) { const s = now(); await raw.request('m100000,8'); times.push(now() - s); }
  await raw.close();
  return { mib, small: median(times) };
}

async function clientRound(port: number, pipeline: number): Promise<{ mib: number; small: number }> {
  const c = await connectRsp(port, { memoryPipeline: pipeline });
  await c.readPhysical(phys(BASE), 8); // sets PhyMemMode once, outside the timing
  const t0 = now();
  const r = await c.readPhysical(phys(BASE), MIB);
  const mib = now() - t0;
  if (r.data.length !== MIB || r.unreadable.length) throw new Error('bad read');
  const times: number[] = [];
  for (let i = 0; i < SMALL / 4; i++) { const s = now(); await c.readPhysical(phys(BASE), 8); times.push(now() - s); }
  await new Promise<void>(res => { c.onClose(() => res()); c.close(); });
  return { mib, small: median(times) };
}

async function main(): Promise<void> {
  const q = await launchQemu({ cpus: 4, memory: '128M' });
  try {
    const c = await connectRsp(q.gdbPort);
    const rip: number[] = [];
    for (let i = 0; i < SMALL; i++) { const s = now(); await c.readRegister(rspThread(1), 'rip'); rip.push(now() - s); }
    c.close();
    await new Promise(r => setTimeout(r, 50));
    const raw: number[] = [], cl: number[] = [], cl4: number[] = [], rawSmall: number[] = [], clSmall: number[] = [];
    const ratio1: number[] = [], ratio4: number[] = [];
    // Shared, loaded machine: run the three in alternating order and compare within a round,
    // so load drifts between rounds cancel out of the per-round ratios.
    for (let i = 0; i < ROUNDS; i++) {
      const order = i % 2 === 0 ? ['raw', 'c1', 'c4'] : ['c4', 'c1', 'raw'];
      const got = new Map<string, { mib: number; small: number }>();
      for (const what of order) {
        got.set(what, what === 'raw' ? await rawRound(q.gdbPort) : await clientRound(q.gdbPort, what === 'c1' ? 1 : 4));
      }
      const a = got.get('raw')!, b = got.get('c1')!, d = got.get('c4')!;
      raw.push(a.mib); rawSmall.push(a.small); cl.push(b.mib); clSmall.push(b.small); cl4.push(d.mib);
      ratio1.push(a.mib / b.mib); ratio4.push(a.mib / d.mib);
    }
    const thr = (ms: number) => `${ms.toFixed(1)} ms (${(1000 / ms).toFixed(1)} MiB/s)`;
    console.log(`rsp bench: QEMU ${q.args.join(' ')}`);
    console.log(`  ${ROUNDS} rounds, medians; ratio = raw time / client time, median of per-round ratios (≥ 0.9 is the target)`);
    console.log(`  small round trip, client readRegister(rip) 'p':  ${median(rip).toFixed(3)} ms (n=${SMALL})`);
    console.log(`  small round trip, client readPhysical 8 bytes:  ${median(clSmall).toFixed(3)} ms`);
    console.log(`  small round trip, raw socket 'm' 8 bytes:       ${median(rawSmall).toFixed(3)} ms`);
    console.log(`  1 MiB physical, raw loop of 0x800-byte 'm':     ${thr(median(raw))}`);
    console.log(`  1 MiB physical, client (one request at a time): ${thr(median(cl))}  ratio ${median(ratio1).toFixed(2)}x`);
    console.log(`  1 MiB physical, client (4 in flight):           ${thr(median(cl4))}  ratio ${median(ratio4).toFixed(2)}x`);
  } finally {
    await q.kill();
  }
}

main().catch(e => { console.error(e instanceof Error ? e.message : e); process.exit(1); });
