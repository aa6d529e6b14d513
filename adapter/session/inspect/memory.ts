// readMemory/writeMemory for DAP memory references (hex addresses, virtual in the stopped
// vCPU's address space). An unmapped start is an error naming the address; a read that runs
// into unmapped pages returns the readable part and counts the rest as unreadable.
import type { DebugProtocol } from '@vscode/debugprotocol';
import { ExoError } from '../../common/errors';
import { RspThreadId, virt } from '../../common/types';
import type { Runtime } from '../runtime';

const MAX_READ = 1 << 20;

export function parseMemoryReference(ref: string, offset = 0): bigint {
  const t = ref.trim();
  if (!/^(0x)?[0-9a-f]+$/i.test(t)) throw new ExoError('user', `"${ref}" is not a memory address (expected hex like 0xffffffff80001000).`);
  return BigInt.asUintN(64, BigInt(t.startsWith('0x') || t.startsWith('0X') ? t : '0x' + t) + BigInt(offset));
}

export async function readMemory(rt: Runtime, thread: RspThreadId, args: DebugProtocol.ReadMemoryArguments): Promise<DebugProtocol.ReadMemoryResponse['body']> {
  const addr = parseMemoryReference(args.memoryReference, args.offset ?? 0);
  const count = Math.min(args.count, MAX_READ);
  if (count <= 0) return { address: hex(addr) };
  const r = await rt.rsp.readVirtual(thread, virt(addr), count);
  const firstBad = r.unreadable.find(u => u.end > addr);
  const readable = firstBad ? Number((firstBad.start > addr ? firstBad.start : addr) - addr) : count;
  if (readable === 0) {
    throw new ExoError('user', `Cannot read memory at ${hex(addr)}: the address is not mapped in CPU ${thread - 1}'s page tables.`);
  }
  return {
    address: hex(addr),
    data: Buffer.from(r.data.subarray(0, readable)).toString('base64'),
    unreadableBytes: count - readable || undefined,
  };
}

export async function writeMemory(rt: Runtime, thread: RspThreadId, args: DebugProtocol.WriteMemoryArguments): Promise<DebugProtocol.WriteMemoryResponse['body']> {
  const addr = parseMemoryReference(args.memoryReference, args.offset ?? 0);
  const data = new Uint8Array(Buffer.from(args.data, 'base64'));
  try {
    await rt.rsp.writeVirtual(thread, virt(addr), data);
  } catch (e) {
    if (e instanceof ExoError && e.kind === 'target') {
      throw new ExoError('user', `Cannot write ${data.length} bytes at ${hex(addr)}: the address is not mapped writable in CPU ${thread - 1}'s page tables.`);
    }
    throw e;
  }
  return { bytesWritten: data.length };
}

const hex = (v: bigint) => '0x' + v.toString(16);
