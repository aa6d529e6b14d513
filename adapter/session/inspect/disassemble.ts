// disassemble: decodes around a memory reference in the vCPU's current mode (16/32/64 from CR0,
// EFER and CS), with source lines and symbols. Negative instruction offsets decode from far
// enough back that x86's variable-length stream resynchronises on the reference address.
import type { DebugProtocol } from '@vscode/debugprotocol';
import { RspThreadId, virt } from '../../common/types';
import { bytesText, Disassembler, Instruction, type CodeBits } from '../../x86/disasm';
import { cpuMode } from '../../x86/cpumode';
import type { Runtime } from '../runtime';
import { parseMemoryReference } from './memory';
import { sourcePaths } from './sources';

const MAX_INSN = 15;
const hex = (v: bigint) => '0x' + v.toString(16);
let disasm: Promise<Disassembler> | undefined;

async function decode(rt: Runtime, thread: RspThreadId, start: bigint, len: number, bits: CodeBits): Promise<Instruction[]> {
  const r = await rt.rsp.readVirtual(thread, virt(start), len);
  const d = await (disasm ??= Disassembler.create());
  // Decode only up to the first unreadable byte; the caller pads with invalid entries.
  const firstBad = r.unreadable.reduce((m, u) => (u.start < m ? u.start : m), start + BigInt(len));
  const good = Number(firstBad > start ? firstBad - start : 0n);
  return d.disassemble(r.data.subarray(0, good), start, bits);
}

export async function disassemble(rt: Runtime, thread: RspThreadId, args: DebugProtocol.DisassembleArguments): Promise<DebugProtocol.DisassembleResponse['body']> {
  const at = parseMemoryReference(args.memoryReference, args.offset ?? 0);
  const regs = await rt.rsp.readRegisters(thread);
  const bits = cpuMode(regs).bits;
  const before = Math.max(0, -(args.instructionOffset ?? 0));
  const after = Math.max(0, args.instructionCount + (args.instructionOffset ?? 0));
  const skipAfter = Math.max(0, args.instructionOffset ?? 0);

  let prior: Instruction[] = [];
  if (before > 0) {
    const back = BigInt(Math.min(before * MAX_INSN + 32, 8192));
    const base = at >= back ? at - back : 0n;
    // Try starts from farthest back until one decodes onto `at` exactly.
    for (let s = base; s < at && s < base + 16n; s++) {
      const list = await decode(rt, thread, s, Number(at - s), bits);
      const end = list.length ? list[list.length - 1].address + BigInt(list[list.length - 1].length) : s;
      if (end === at && !list.some(i => i.invalid)) { prior = list; break; }
      if (s === base + 15n) prior = list;
    }
    prior = prior.slice(-before);
  }
  const forward = await decode(rt, thread, at, (after + skipAfter) * MAX_INSN, bits);
  const chosen = [...prior, ...forward.slice(skipAfter, skipAfter + after)];

  const out: DebugProtocol.DisassembledInstruction[] = [];
  // Keep the reference instruction at index -instructionOffset even when less decoded before it.
  const first = prior.length ? prior[0].address : at;
  for (let i = before - prior.length; i > 0; i--) out.push({ address: hex(first - BigInt(i)), instruction: '??', presentationHint: 'invalid' });
  let lastLine = '';
  for (const ins of chosen) {
    const line = rt.symbols.lineAt(ins.address);
    const sym = rt.symbols.symbolAt(ins.address);
    const key = line ? `${line.file}:${line.line}` : '';
    out.push({
      address: hex(ins.address),
      instructionBytes: bytesText(ins.bytes),
      instruction: ins.text,
      symbol: sym && args.resolveSymbols !== false ? (sym.offset === 0n ? sym.name : `${sym.name}+${sym.offset}`) : undefined,
      // Missing sources (e.g. /rustc/… without rust-src) come without a path, as in stack frames.
      ...(line && key !== lastLine ? { location: await sourcePaths.source(line.file), line: line.line } : {}),
      presentationHint: ins.invalid ? 'invalid' : undefined,
    });
    lastLine = key;
  }
  // DAP wants exactly instructionCount entries: pad unreadable memory with invalid ones.
  let next = chosen.length ? chosen[chosen.length - 1].address + BigInt(chosen[chosen.length - 1].length) : at;
  while (out.length < args.instructionCount) {
    out.push({ address: hex(next), instruction: '??', presentationHint: 'invalid' });
    next += 1n;
  }
  return { instructions: out.slice(0, args.instructionCount) };
}
