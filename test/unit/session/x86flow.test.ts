// The fast x86-64 length/flow decoder of line-step plans against capstone (through flowOf) over
// every instruction of the Exo-OS kernel's .text, swept linearly as objdump does: wherever the
// fast decoder answers, length and flow must equal capstone's; it must answer for nearly all.
import * as assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { Disassembler } from '../../../adapter/x86/disasm';
import { flowOf } from '../../../adapter/session/execution/linePlan';
import { fastDecode } from '../../../adapter/session/execution/x86flow';

const KERNEL = path.resolve(__dirname, '../../../build/kernel/exo.elf');

/** [file offset, address, size] of the ELF64 section `name`. */
function section(elf: Buffer, name: string): [number, bigint, number] {
  const shoff = Number(elf.readBigUInt64LE(0x28)), shentsize = elf.readUInt16LE(0x3a), shnum = elf.readUInt16LE(0x3c), shstrndx = elf.readUInt16LE(0x3e);
  const sh = (i: number) => shoff + i * shentsize;
  const strOff = Number(elf.readBigUInt64LE(sh(shstrndx) + 0x18));
  for (let i = 0; i < shnum; i++) {
    const n = elf.readUInt32LE(sh(i));
    const end = elf.indexOf(0, strOff + n);
    if (elf.toString('latin1', strOff + n, end) === name) {
      return [Number(elf.readBigUInt64LE(sh(i) + 0x18)), elf.readBigUInt64LE(sh(i) + 0x10), Number(elf.readBigUInt64LE(sh(i) + 0x20))];
    }
  }
  throw new Error(`no ${name} section`);
}

describe('session/execution: fast x86-64 decoder for line plans', function () {
  this.timeout(120_000);

  it('agrees with capstone on length and flow for every instruction of the kernel it answers (and answers nearly all)', async () => {
    assert.ok(fs.existsSync(KERNEL), 'build/kernel/exo.elf is missing: run npm run build:kernel');
    const elf = fs.readFileSync(KERNEL);
    const [off, base, size] = section(elf, '.text');
    const text = elf.subarray(off, off + size);
    const dis = await Disassembler.create();
    const insns = dis.disassemble(text, base, 64);
    let answered = 0;
    const wrong: string[] = [];
    for (const insn of insns) {
      const at = Number(insn.address - base);
      const fast = fastDecode(text.subarray(at, at + 15), insn.address);
      if (!fast) continue;
      answered++;
      const want = { length: insn.length, flow: flowOf(insn.mnemonic, insn.operands, insn.invalid) };
      if (fast.length !== want.length || JSON.stringify(fast.flow, (_, v: unknown) => (typeof v === 'bigint' ? v.toString(16) : v))
        !== JSON.stringify(want.flow, (_, v: unknown) => (typeof v === 'bigint' ? v.toString(16) : v))) {
        if (wrong.length < 20) wrong.push(`0x${insn.address.toString(16)} ${insn.text}: fast ${fast.length} ${fast.flow.kind}, capstone ${want.length} ${want.flow.kind}`);
      }
    }
    assert.deepEqual(wrong, []);
    assert.ok(insns.length > 50_000, `a whole kernel (${insns.length} instructions)`);
    // int3 is the padding between functions (capstone answers it); of the rest nearly all.
    const code = insns.filter(x => x.mnemonic !== 'int3').length;
    assert.ok(answered / code > 0.99, `answered ${answered} of ${code}`);
  });

  it('leaves unknown or cut-short encodings to the disassembler', () => {
    assert.equal(fastDecode(Uint8Array.of(0x0f, 0x05), 0n), undefined, 'syscall');
    assert.equal(fastDecode(Uint8Array.of(0xf4), 0n), undefined, 'hlt');
    assert.equal(fastDecode(Uint8Array.of(0xe8, 0x00, 0x00), 0n), undefined, 'call cut short');
    assert.equal(fastDecode(Uint8Array.of(0x48, 0x8b), 0n), undefined, 'ModRM missing');
    assert.deepEqual(fastDecode(Uint8Array.of(0xeb, 0xfe), 0x1000n), { length: 2, flow: { kind: 'jump', target: 0x1000n } });
    assert.deepEqual(fastDecode(Uint8Array.of(0x48, 0xb8, 1, 2, 3, 4, 5, 6, 7, 8), 0n), { length: 10, flow: { kind: 'next' } }, 'movabs');
  });
});
