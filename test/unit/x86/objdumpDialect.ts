// Compares capstone's Intel syntax with objdump's. The two print the same instruction in
// different dialects; only these differences are tolerated, everything else must be equal:
// spacing and case, objdump's `# comment` and `<symbol>` annotations, bare-hex branch targets,
// numbers in decimal vs hex, immediates shown sign-extended vs negative (equal modulo the
// operand width), `[rax+rcx*1+0x0]` vs `[rax + rcx]`, `gs:0x8` vs `gs:[8]`, `pushf` vs `pushfq`,
// string instructions with/without the size letter and `es:`, the `66 90` nop spelled
// `xchg ax,ax`, and the `data16`/`cs` prefixes objdump writes before long nops.

export interface Parsed { readonly mnemonic: string; readonly operands: readonly string[] }

const STRING_OPS = /^(rep[a-z]* )?(stos|movs|lods|scas|cmps|ins|outs)[bwdq]?$/;

export function parseIntel(text: string): Parsed {
  let t = text.replace(/\s*#.*$/, '').replace(/\s*<[^>]*>$/, '').trim().toLowerCase();
  t = t.replace(/^((?:data16|cs|ds|addr32)\s+)+(?=nop\b)/, '');
  const m = /^((?:rep|repz|repnz|repe|repne|lock|bnd|notrack)\s+)?(\S+)\s*(.*)$/.exec(t)!;
  let mnemonic = (m[1] ? m[1].trim() + ' ' : '') + m[2];
  let ops = m[3].replace(/\s+/g, '');
  if (/^(j[a-z]+|call|loop[a-z]*|jrcxz|jecxz)$/.test(m[2]) && /^[0-9a-f]+$/.test(ops)) ops = '0x' + ops;
  ops = ops.replace(/\*1(?=[\]+-])/g, '').replace(/\+0x0\]/g, ']').replace(/([cdefgs]s):\[(0x[0-9a-f]+|\d+)\]/g, '$1:$2');
  const sm = STRING_OPS.exec(mnemonic);
  if (sm) { mnemonic = (sm[1] ?? '') + sm[2]; ops = ops.replace(/(es|ds):\[/g, '['); }
  // objdump writes a long nop's segment override as a prefix, capstone inside the operand.
  if (mnemonic === 'nop') ops = ops.replace(/[cdefgs]s:\[/g, '[');
  if (mnemonic === 'pushfq') mnemonic = 'pushf';
  if (mnemonic === 'popfq') mnemonic = 'popf';
  if (mnemonic === 'xchg' && ops === 'ax,ax') { mnemonic = 'nop'; ops = ''; }
  return { mnemonic, operands: ops === '' ? [] : splitOperands(ops) };
}

function splitOperands(ops: string): string[] {
  const out: string[] = [];
  let depth = 0, cur = '';
  for (const ch of ops) {
    if (ch === '[') depth++;
    if (ch === ']') depth--;
    if (ch === ',' && depth === 0) { out.push(cur); cur = ''; continue; }
    cur += ch;
  }
  out.push(cur);
  return out;
}

/** Numbers with their sign: `[rip-0x25e]` and `[rip+0xfffffffffffffda2]` hold the same value. */
const NUM = /[+-]?(?:0x[0-9a-f]+|\d+)\b/g;
const big = (t: string) => (t.startsWith('-') ? -BigInt(t.slice(1)) : BigInt(t.replace(/^\+/, '')));

/** Operands equal once numbers are compared as values modulo 2^8/16/32/64. */
function sameOperand(a: string, b: string): boolean {
  const na = [...a.matchAll(NUM)].map(m => big(m[0]));
  const nb = [...b.matchAll(NUM)].map(m => big(m[0]));
  if (a.replace(NUM, '#') !== b.replace(NUM, '#')) return false;
  if (na.length !== nb.length) return false;
  return na.every((x, i) => [8, 16, 32, 64].some(k => BigInt.asUintN(k, x) === BigInt.asUintN(k, nb[i])));
}

export function sameIntel(ours: string, objdump: string): boolean {
  const a = parseIntel(ours), b = parseIntel(objdump);
  return a.mnemonic === b.mnemonic && a.operands.length === b.operands.length && a.operands.every((o, i) => sameOperand(o, b.operands[i]));
}
