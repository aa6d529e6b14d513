// The disassembler agrees with binutils' objdump (the oracle) on system and ordinary code.
import * as assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { bytesText, Disassembler } from '../../../adapter/x86/disasm';

interface ObjdumpLine { address: bigint; bytes: string; text: string }

/** Runs objdump on raw bytes at `base`; joins continuation lines of long instructions. */
function objdump(bytes: number[], base: bigint, machine: string, syntax: 'intel' | 'att'): ObjdumpLine[] {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'exo-disasm-'));
  try {
    const file = path.join(dir, 'code.bin');
    fs.writeFileSync(file, Uint8Array.from(bytes));
    const args = ['-D', '-b', 'binary', '-m', machine, `--adjust-vma=0x${base.toString(16)}`, '-w'];
    if (syntax === 'intel') args.push('-M', 'intel');
    const out = execFileSync('objdump', [...args, file], { encoding: 'utf8' });
    const lines: ObjdumpLine[] = [];
    for (const line of out.split('\n')) {
      const m = /^\s*([0-9a-f]+):\t([0-9a-f ]+)\t(.*)$/.exec(line);
      if (m) lines.push({ address: BigInt('0x' + m[1]), bytes: m[2].trim(), text: m[3] });
    }
    return lines;
  } finally {
    fs.rmSync(dir, { recursive: true, force: true });
  }
}

/**
 * The two tools print the same instruction in slightly different dialects; these are the only
 * differences tolerated: spacing and case, objdump's `# comments`, numbers in decimal vs hex
 * (`[rbp - 8]` / `[rbp-0x8]`), the far-pointer separator (`:` vs `,` in AT&T), the far-jump
 * mnemonic (`ljmp` vs `jmp seg:off`) and AT&T size suffixes objdump leaves out when a register
 * operand makes them implied (`movq %rax,%cr3` / `mov %rax,%cr3`, `callq` / `call`).
 */
function norm(s: string): { mnemonic: string; operands: string } {
  let t = s.replace(/\s*#.*$/, '').trim().toLowerCase();
  const sp = t.indexOf(' ');
  const mnemonic = sp < 0 ? t : t.slice(0, sp);
  t = sp < 0 ? '' : t.slice(sp + 1);
  const operands = t.replace(/\s+/g, '').replace(/\b(0x[0-9a-f]+|\d+)\b/g, n => '0x' + BigInt(n).toString(16)).replace(/:\$/g, ',$');
  return { mnemonic, operands };
}

function sameInstruction(ours: string, theirs: string, syntax: 'intel' | 'att'): boolean {
  const a = norm(ours), b = norm(theirs);
  if (a.operands !== b.operands) return false;
  if (a.mnemonic === b.mnemonic) return true;
  const far = (m: string) => m.replace(/^l?jmp[wl]?$/, 'jmp');
  if (b.operands.includes(':') || b.operands.includes(',$')) {
    if (far(a.mnemonic) === far(b.mnemonic)) return true;
  }
  // AT&T: capstone always writes the size suffix.
  return syntax === 'att' && /^[a-z]+[bwlq]$/.test(a.mnemonic) && a.mnemonic.slice(0, -1) === b.mnemonic;
}

describe('x86/disasm: capstone agrees with objdump', function () {
  this.timeout(30_000);
  let dis: Disassembler;
  before(async () => { dis = await Disassembler.create(); });
  after(() => dis.close());

  const cases: { name: string; bits: 16 | 32 | 64; machine: string; base: bigint; bytes: number[] }[] = [
    {
      name: '64-bit system code in the higher half',
      bits: 64, machine: 'i386:x86-64', base: 0xffffffff80001000n,
      bytes: [
        0x0f, 0x01, 0xf8,             // swapgs
        0x0f, 0x22, 0xd8,             // mov cr3, rax
        0x0f, 0x20, 0xd8,             // mov rax, cr3
        0x0f, 0x30,                   // wrmsr
        0x0f, 0x32,                   // rdmsr
        0xfa, 0xfb, 0xf4, 0xcc,       // cli sti hlt int3
        0x55,                         // push rbp
        0x48, 0x89, 0xe5,             // mov rbp, rsp
        0xe8, 0x10, 0x00, 0x00, 0x00, // call rel32
        0xeb, 0xfe,                   // jmp self
        0x48, 0xcf,                   // iretq
        0x0f, 0x01, 0x10,             // lgdt [rax]
        0x31, 0xc0,                   // xor eax, eax
        0xb8, 0x34, 0x12, 0x00, 0x00, // mov eax, 0x1234
        0x48, 0x8b, 0x45, 0xf8,       // mov rax, qword ptr [rbp - 8]
        0x0f, 0x01, 0xca,             // clac
        0xc3,                         // ret
      ],
    },
    {
      name: 'the real-mode reset vector',
      bits: 16, machine: 'i8086', base: 0xfff0n,
      bytes: [0xea, 0x5b, 0xe0, 0x00, 0xf0, 0xfa, 0xfc, 0xb8, 0x00, 0x10, 0x8e, 0xd8],
    },
    {
      name: '32-bit protected-mode boot code',
      bits: 32, machine: 'i386', base: 0x100000n,
      bytes: [0x0f, 0x20, 0xc0, 0x0d, 0x01, 0x00, 0x00, 0x80, 0x0f, 0x22, 0xc0, 0xb9, 0x80, 0x00, 0x00, 0xc0, 0x0f, 0x30,
        0xea, 0x00, 0x10, 0x10, 0x00, 0x08, 0x00],
    },
  ];

  for (const c of cases) {
    for (const syntax of ['intel', 'att'] as const) {
      it(`${c.name} (${syntax})`, () => {
        const ours = dis.disassemble(Uint8Array.from(c.bytes), c.base, c.bits, { syntax });
        const theirs = objdump(c.bytes, c.base, c.machine, syntax);
        assert.equal(ours.length, theirs.length, `instruction count: ours ${ours.map(i => i.text).join('; ')}`);
        ours.forEach((insn, i) => {
          assert.equal(insn.address, theirs[i].address, `address of #${i}`);
          assert.equal(bytesText(insn.bytes), theirs[i].bytes, `bytes of #${i}`);
          assert.ok(sameInstruction(insn.text, theirs[i].text, syntax), `#${i} at 0x${insn.address.toString(16)}: ours '${insn.text}', objdump '${theirs[i].text}'`);
        });
      });
    }
  }

  it('decodes the reset-vector far jump and system instructions with exact text', () => {
    const [ljmp] = dis.disassemble(Uint8Array.of(0xea, 0x5b, 0xe0, 0x00, 0xf0), 0xfff0n, 16);
    assert.deepEqual([ljmp.mnemonic, ljmp.operands, ljmp.length, ljmp.address], ['ljmp', '0xf000:0xe05b', 5, 0xfff0n]);
    const [swapgs, movcr3] = dis.disassemble(Uint8Array.of(0x0f, 0x01, 0xf8, 0x0f, 0x22, 0xd8), 0xffffffff80000000n, 64);
    assert.equal(swapgs.text, 'swapgs');
    assert.equal(movcr3.text, 'mov cr3, rax');
    assert.equal(movcr3.address, 0xffffffff80000003n);
  });
  it('decodes 100 KiB in one request without exhausting capstone (chunked, instructions straddling chunks)', () => {
    // movabs rax, imm64 (10) ; lea rdi, [rip + 0x10] (7) ; nop (1): 18 bytes, so chunk ends fall mid-instruction.
    const pattern = [0x48, 0xb8, 1, 2, 3, 4, 5, 6, 7, 8, 0x48, 0x8d, 0x3d, 0x10, 0, 0, 0, 0x90];
    const reps = 6000;
    const bytes = new Uint8Array(pattern.length * reps);
    for (let i = 0; i < reps; i++) bytes.set(pattern, i * pattern.length);
    const ins = dis.disassemble(bytes, 0xffffffff80000000n, 64);
    assert.equal(ins.length, reps * 3);
    assert.equal(ins.filter(i => i.invalid).length, 0);
    assert.deepEqual(ins.slice(-3).map(i => i.mnemonic), ['movabs', 'lea', 'nop']);
    assert.equal(ins.at(-1)!.address, 0xffffffff80000000n + BigInt(bytes.length - 1));
    // The module still works afterwards.
    assert.equal(dis.disassemble(Uint8Array.of(0x0f, 0x01, 0xf8), 0n, 64)[0].text, 'swapgs');
  });
  it('turns undecodable bytes into (bad) and continues; honours count', () => {
    const ins = dis.disassemble(Uint8Array.of(0x90, 0x06, 0x90, 0xc3), 0x1000n, 64);
    assert.deepEqual(ins.map(i => i.text), ['nop', '(bad)', 'nop', 'ret']);
    assert.deepEqual(ins.map(i => i.address), [0x1000n, 0x1001n, 0x1002n, 0x1003n]);
    assert.equal(dis.disassemble(Uint8Array.of(0x90, 0x90, 0x90), 0n, 64, { count: 2 }).length, 2);
    const cut = dis.disassemble(Uint8Array.of(0x90, 0x48, 0x8b), 0n, 64);
    assert.deepEqual(cut.map(i => i.text), ['nop', '(bad)', '(bad)']);
  });
});
