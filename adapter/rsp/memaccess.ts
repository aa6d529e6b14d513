// Memory reads and writes on top of the connection: chunking (packet size, page boundaries),
// optional pipelining of independent reads, and the sticky PhyMemMode switch.
import type { MemoryRead, RspFeatures, Space, AddrRange } from './api';
import type { RspThreadId } from '../common/types';
import { ExoError } from '../common/errors';
import { Connection } from './connection';
import { expectHex, expectOk } from './codec/reply';
import * as mem from './packets/memory';
import { encodePhyMemMode } from './packets/qemu';
import { mergeRanges, planChunks } from './memplan';

export class MemoryAccess {
  /** PhyMemMode as last set on this connection; undefined = unknown (QEMU keeps it global). */
  private phys?: boolean;

  constructor(
    private readonly conn: Connection,
    private readonly features: RspFeatures,
    private readonly pipeline: number,
    private readonly selectG: (t: RspThreadId) => Promise<void>,
  ) {}

  private async setSpace(space: Space, thread?: RspThreadId): Promise<void> {
    const wantPhys = space === 'physical';
    if (wantPhys && !this.features.phyMemMode) {
      throw new ExoError('user', "physical memory access needs QEMU's gdbstub (Qqemu.PhyMemMode); this stub does not offer it");
    }
    if (this.features.phyMemMode && this.phys !== wantPhys) {
      this.phys = undefined;
      expectOk('Qqemu.PhyMemMode', await this.conn.request(encodePhyMemMode(wantPhys)));
      this.phys = wantPhys;
    }
    if (!wantPhys && thread !== undefined) await this.selectG(thread);
  }

  async read(space: Space, addr: bigint, length: number, thread?: RspThreadId): Promise<MemoryRead> {
    const chunks = planChunks(addr, length, mem.maxReadChunk(this.features.packetSize));
    await this.setSpace(space, thread);
    const data = new Uint8Array(length);
    const bad: AddrRange[] = [];
    const pipelined = this.pipeline > 1 && chunks.length > 1;
    const one = async (c: (typeof chunks)[number]) => {
      const reply = await this.conn.request(mem.encodeRead(c.addr, c.length), { pipeline: pipelined });
      try {
        const bytes = expectHex(() => `reading memory at 0x${c.addr.toString(16)}`, reply);
        if (bytes.length !== c.length) {
          throw new ExoError('protocol', `'m' at 0x${c.addr.toString(16)} returned ${bytes.length} bytes, asked ${c.length}`);
        }
        data.set(bytes, c.offset);
      } catch (e) {
        // Exx = the page is not mapped (E14) or not accessible: record it, keep the rest.
        if (!(e instanceof ExoError && e.kind === 'target')) throw e;
        bad.push({ start: c.addr, end: c.addr + BigInt(c.length) });
      }
    };
    if (pipelined) {
      // `pipeline` workers pull chunks in order: at most that many requests are queued at once.
      let next = 0;
      const worker = async () => { while (next < chunks.length) await one(chunks[next++]); };
      await Promise.all(Array.from({ length: Math.min(this.pipeline, chunks.length) }, worker));
    } else for (const c of chunks) await one(c);
    return { data, unreadable: mergeRanges(bad) };
  }

  async write(space: Space, addr: bigint, data: Uint8Array, thread?: RspThreadId): Promise<void> {
    const chunks = planChunks(addr, data.length, mem.maxWriteChunk(this.features.packetSize));
    await this.setSpace(space, thread);
    for (const c of chunks) {
      expectOk(`writing ${c.length} bytes at 0x${c.addr.toString(16)}`,
        await this.conn.request(mem.encodeWrite(c.addr, data.subarray(c.offset, c.offset + c.length))));
    }
  }
}
