// Red-zone scan over `objdump -d` (AT&T) text: finds stores below the stack pointer, either
// at a negative %rsp offset or at a %rbp offset deeper than the frame the function allocated.

export interface RedZoneUse {
  func: string;
  address: bigint;
  insn: string;
}

// Instructions whose last memory operand is not written.
const NOT_A_STORE = /^(cmp|test|lea|push|call|jmp|nop|prefetch|bt[^a-z]|ucomis|comis)/;
const MEM_OPERAND = /^(-?)0x([0-9a-f]+)\(%(rsp|rbp)\)$/;

function lastOperand(operands: string): string {
  const parts = operands.split(/,(?![^(]*\))/);
  return (parts[parts.length - 1] ?? '').trim();
}

/** Scans disassembly and returns every store that lands below %rsp. */
export function scanRedZone(disasm: string): RedZoneUse[] {
  const uses: RedZoneUse[] = [];
  let func = '';
  let frameDepth: number | null = null; // bytes allocated below %rbp since `mov %rsp,%rbp`
  for (const raw of disasm.split('\n')) {
    const header = /^([0-9a-f]+) <(.+)>:$/.exec(raw);
    if (header) {
      func = header[2];
      frameDepth = null;
      continue;
    }
    const line = /^\s*([0-9a-f]+):\s+(\S+)\s*([^#<]*)/.exec(raw);
    if (!line) continue;
    const [, addr, mnemonic, rest] = line;
    const operands = rest.trim();
    if (mnemonic.startsWith('mov') && operands === '%rsp,%rbp') {
      frameDepth = 0;
      continue;
    }
    if (frameDepth !== null) {
      if (mnemonic === 'push') frameDepth += 8;
      const sub = /^\$0x([0-9a-f]+),%rsp$/.exec(operands);
      if (mnemonic === 'sub' && sub) frameDepth += parseInt(sub[1], 16);
    }
    if (NOT_A_STORE.test(mnemonic)) continue;
    const mem = MEM_OPERAND.exec(lastOperand(operands));
    if (!mem || mem[1] !== '-') continue;
    const offset = parseInt(mem[2], 16);
    const below = mem[3] === 'rsp' || (frameDepth !== null && offset > frameDepth);
    if (below) uses.push({ func, address: BigInt('0x' + addr), insn: `${mnemonic} ${operands}` });
  }
  return uses;
}
