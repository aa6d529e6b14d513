// A fake QEMU 7.2 gdbstub for client unit tests: negotiation answers as measured
// (notes/qemu-gdbstub.md), the captured target description served in 2045-byte chunks,
// 4 vCPUs, sticky Hg and PhyMemMode, a memory map with holes.
import * as fs from 'node:fs';
import * as path from 'node:path';
import { FakeStub } from './fakeStub';

const xml = (n: string) => fs.readFileSync(path.join(__dirname, 'fixtures', n), 'latin1');

export interface QemuFakeState {
  hg: number;
  phys: boolean;
  /** Virtual pages (4 KiB page numbers) that are unmapped. */
  holes: Set<bigint>;
  breakpoints: string[];
  sstep: number;
}

export function qemuFake(): { stub: FakeStub; st: QemuFakeState } {
  const st: QemuFakeState = { hg: 1, phys: false, holes: new Set(), breakpoints: [], sstep: 7 };
  const byte = (addr: bigint, phys: boolean) => Number((addr * (phys ? 7n : 3n) + BigInt(phys ? 0 : st.hg)) & 0xffn);
  let nextThread = 2;
  const stub: FakeStub = new FakeStub((p: string): string | string[] | null => {
    if (p.startsWith('qSupported')) return 'PacketSize=1000;qXfer:features:read+;vContSupported+;multiprocess+';
    if (p === 'vCont?') return 'vCont;c;C;s;S';
    if (p === 'qqemu.Supported') return 'sstepbits;sstep;PhyMemMode';
    if (p === 'qqemu.sstepbits') return 'ENABLE=1,NOIRQ=2,NOTIMER=4';
    if (p === 'qqemu.sstep') return '0x' + st.sstep.toString(16);
    if (p.startsWith('Qqemu.sstep=')) { st.sstep = parseInt(p.slice(12), 16); return 'OK'; }
    if (p.startsWith('Qqemu.PhyMemMode:')) { st.phys = p.endsWith('1'); return 'OK'; }
    let m = /^qXfer:features:read:([^:]+):([0-9a-f]+),([0-9a-f]+)$/.exec(p);
    if (m) {
      const doc = xml(m[1]);
      const off = parseInt(m[2], 16), len = Math.min(parseInt(m[3], 16), 2045);
      return (off + len >= doc.length ? 'l' : 'm') + doc.slice(off, off + len);
    }
    if (p === 'qfThreadInfo') { nextThread = 2; return 'mp01.01'; }
    if (p === 'qsThreadInfo') return nextThread <= 4 ? `mp01.0${nextThread++}` : 'l';
    m = /^Hgp01\.0([1-4])$/.exec(p);
    if (m) { st.hg = Number(m[1]); return 'OK'; }
    if (/^Hc/.test(p)) return 'OK';
    if (p === 'g') {
      const g = Buffer.alloc(608);
      g.writeBigUInt64LE(0xfff0n + BigInt(st.hg - 1), 128);
      g.writeUInt32LE(0xf000, 140);
      return g.toString('hex');
    }
    m = /^p([0-9a-f]+)$/.exec(p);
    if (m) return parseInt(m[1], 16) === 16 ? Buffer.from([0xf0, 0xff, 0, 0, 0, 0, 0, 0]).toString('hex') : '';
    m = /^m([0-9a-f]+),([0-9a-f]+)$/.exec(p);
    if (m) {
      const addr = BigInt('0x' + m[1]), len = parseInt(m[2], 16);
      if (len > 0x800) return 'E22';
      if (!st.phys) for (let a = addr; a < addr + BigInt(len); a += 1n) if (st.holes.has(a >> 12n)) return 'E14';
      const out = Buffer.alloc(len);
      for (let i = 0; i < len; i++) out[i] = byte(addr + BigInt(i), st.phys);
      return out.toString('hex');
    }
    if (/^M[0-9a-f]+,[0-9a-f]+:/.test(p)) return p.length > 4095 ? null : 'OK';
    m = /^([Zz])([0-4]),/.exec(p);
    if (m) {
      const key = p.slice(1);
      if (m[1] === 'Z') { st.breakpoints.push(key); return 'OK'; }
      const i = st.breakpoints.indexOf(key);
      if (i < 0) return 'E22';
      st.breakpoints.splice(i, 1);
      return 'OK';
    }
    if (p.startsWith('qRcmd,')) {
      const cmd = Buffer.from(p.slice(6), 'hex').toString();
      if (cmd === 'info cpus') return ['O' + Buffer.from('* CPU #0: thread_id=1\n').toString('hex'), 'O' + Buffer.from('  CPU #1: thread_id=2\n').toString('hex'), 'OK'];
      return 'E22';
    }
    if (p === 'D;1') return 'OK';
    if (p === '?') return 'T05thread:p01.01;';
    if (p === 'k') { setImmediate(() => stub.transport.drop()); return null; }
    if (p.startsWith('vCont;')) return null; // the stop is pushed by the test
    return '';
  });
  return { stub, st };
}
