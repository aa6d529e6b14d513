// The objdump comparison tolerates only dialect differences: real differences must fail.
import * as assert from 'node:assert/strict';
import { sameIntel } from './objdumpDialect';

describe('x86/objdumpDialect', () => {
  it('accepts the same instruction in both dialects', () => {
    const same: [string, string][] = [
      ['mov dword ptr [rbp - 0x44], edi', 'mov    DWORD PTR [rbp-0x44],edi'],
      ['call 0xffffffff80112d50', 'call   ffffffff80112d50 <kmain>'],
      ['lea rdi, [rip + 0x1caf6]', 'lea    rdi,[rip+0x1caf6]        # ffffffff80122b00 <__bss_start>'],
      ['lea rdx, [rip - 0x25e]', 'lea    rdx,[rip+0xfffffffffffffda2]'],
      ['sub rax, -0x80000000', 'sub    rax,0xffffffff80000000'],
      ['cmp ax, -1', 'cmp    ax,0xffff'],
      ['mov al, byte ptr [rax + rcx]', 'mov    al,BYTE PTR [rax+rcx*1]'],
      ['nop dword ptr [rax + rax]', 'nop    DWORD PTR [rax+rax*1+0x0]'],
      ['nop word ptr cs:[rax + rax]', 'data16 cs nop WORD PTR [rax+rax*1+0x0]'],
      ['mov rax, qword ptr gs:[8]', 'mov    rax,QWORD PTR gs:0x8'],
      ['rep movsb byte ptr [rdi], byte ptr [rsi]', 'rep movs BYTE PTR es:[rdi],BYTE PTR ds:[rsi]'],
      ['pushfq', 'pushf'],
      ['nop', 'xchg   ax,ax'],
      ['mov qword ptr [rbp - 0x30], 1', 'mov    QWORD PTR [rbp-0x30],0x1'],
    ];
    for (const [a, b] of same) assert.ok(sameIntel(a, b), `${a}  ≠  ${b}`);
  });
  it('rejects real differences', () => {
    const different: [string, string][] = [
      ['mov rax, 1', 'mov    rax,0x2'],
      ['mov rbx, 1', 'mov    rax,0x1'],
      ['mov qword ptr [rbp - 8], rax', 'mov    QWORD PTR [rbp+0x8],rax'],
      ['mov dword ptr [rbp - 8], eax', 'mov    QWORD PTR [rbp-0x8],rax'],
      ['add rax, rbx', 'sub    rax,rbx'],
      ['call 0xffffffff80112d50', 'call   ffffffff80112d54 <kmain+0x4>'],
      ['lea rax, [rax + rcx*2]', 'lea    rax,[rax+rcx*4]'],
      ['mov rax, qword ptr gs:[8]', 'mov    rax,QWORD PTR fs:0x8'],
    ];
    for (const [a, b] of different) assert.ok(!sameIntel(a, b), `${a}  =  ${b}`);
  });
});
