// `exo-debug symbols`: the symbol reader for users and scripts.
//   resolve ELF FUNC|FILE:LINE…   breakpoint addresses (as gdb's `break`)
//   addr2line ELF ADDR…           function, file:line and inlined frames of addresses
//   global ELF NAME…              a global variable's address, type and size (as gdb's whatis)
// `--json` prints one JSON document (bigints as "0x…" strings).
import { describeError, ExoError } from '../common/errors';
import { hex, parseBig } from '../common/hex';
import { DW_AT, type Die } from './dwarf';
import type { AddressInfo } from './query/address';
import { SymbolFile } from './symbolfile';
import { GlobalIndex } from './values/globals';
import { sizeOf, typeOf } from './values/types';

const USAGE = `usage:
  exo-debug symbols resolve ELF FUNC|FILE:LINE... [--json]
  exo-debug symbols addr2line ELF ADDR... [--json]
  exo-debug symbols global ELF NAME... [--json]
`;

const toJson = (v: unknown) => JSON.stringify(v, (_k, x) => (typeof x === 'bigint' ? hex(x) : x instanceof Uint8Array ? Buffer.from(x).toString('hex') : x), 2);

/** FILE:LINE when the part after the last ':' is a number (Rust paths contain '::'). */
function parseLocation(spec: string): { file: string; line: number } | undefined {
  const m = /^(.+?):(\d+)$/.exec(spec);
  if (!m || m[1].endsWith(':')) return undefined;
  return { file: m[1], line: Number(m[2]) };
}

function resolve(sf: SymbolFile, specs: string[], json: boolean, out: string[]): number {
  let failed = 0;
  const results: unknown[] = [];
  // The ELF symbols and DWARF names of every function asked for, found in one pass each.
  sf.prefetchNames(specs.filter(s => !parseLocation(s)).map(s => s.trim()));
  for (const spec of specs) {
    const loc = parseLocation(spec);
    const r = loc ? sf.breakpointsForLine(loc.file, loc.line) : sf.breakpointsForFunction(spec);
    if (!r.ok) failed++;
    if (json) { results.push({ query: spec, ...r }); continue; }
    if (!r.ok) { out.push(`${spec}: ${r.reason}`); continue; }
    for (const l of r.locations) out.push(`${spec}: ${hex(l.address)}${l.function ? ` in ${l.function}` : ''}${l.file ? ` at ${l.file}:${l.line}` : ''}${l.inlined ? ' (inlined)' : ''}`);
  }
  if (json) out.push(toJson(results));
  return failed ? 1 : 0;
}

function formatInfo(a: AddressInfo): string {
  const lines = [`${hex(a.address)}:`];
  for (const [i, f] of a.frames.entries()) {
    lines.push(`  ${i ? '(inlined by) ' : ''}${f.function ?? '??'} at ${f.file ?? '??'}:${f.line ?? '?'}${f.column ? `:${f.column}` : ''}`);
  }
  if (!a.frames.length) lines.push(`  ${a.symbol ? `${a.symbol.name}+${hex(a.symbol.offset)}` : '??'} at ??:?`);
  return lines.join('\n');
}

function addr2line(sf: SymbolFile, addrs: string[], json: boolean, out: string[]): number {
  const results: AddressInfo[] = [];
  for (const s of addrs) {
    let pc: bigint;
    try { pc = parseBig(s, 16); } catch { throw new ExoError('user', `'${s}' is not an address: use hex like 0xffffffff81000000`); }
    const a = sf.addressInfo(pc);
    if (json) results.push(a); else out.push(formatInfo(a));
  }
  if (json) out.push(toJson(results));
  return 0;
}

interface GlobalAnswer { query: string; ok: boolean; reason?: string; address?: bigint; type?: string; size?: number; unit?: string; declaration?: boolean }

/** The address of a definition's DW_AT_location when it is a plain DW_OP_addr. */
function staticAddress(d: Die): bigint | undefined {
  const v = d.attr(DW_AT.location);
  if (v?.kind !== 'exprloc' || v.bytes[0] !== 0x03 || v.bytes.length !== 1 + d.unit.addressSize) return undefined;
  let a = 0n;
  for (let i = d.unit.addressSize; i >= 1; i--) a = (a << 8n) | BigInt(v.bytes[i]);
  return a;
}

function globals(sf: SymbolFile, names: string[], json: boolean, out: string[]): number {
  const index = new GlobalIndex(sf.dwarf, sf.elf.symbols());
  const results: GlobalAnswer[] = [];
  for (const name of names) {
    const dies = index.find(name);
    const d = dies.find(x => x.has(DW_AT.location)) ?? dies.find(x => x.has(DW_AT.const_value)) ?? dies[0];
    let r: GlobalAnswer;
    if (!d) r = { query: name, ok: false, reason: `No symbol "${name}" in current context.` };
    else {
      const t = typeOf(d);
      const sym = sf.symbolByName(name);
      const address = staticAddress(d) ?? (sym && (sym.type === 'object' || sym.type === 'tls') ? sym.value : undefined);
      r = { query: name, ok: true, address, type: t.name, size: sizeOf(t), unit: d.unit.name(), declaration: !d.has(DW_AT.location) && !d.has(DW_AT.const_value) };
    }
    if (json) results.push(r);
    else out.push(r.ok ? `${name}: ${r.type} (${r.size} bytes)${r.address !== undefined ? ` at ${hex(r.address)}` : ''} from ${r.unit ?? '?'}` : `${name}: ${r.reason}`);
  }
  if (json) out.push(toJson(results));
  return results.some(r => !r.ok) ? 1 : 0;
}

export async function runSymbolsCli(args: string[]): Promise<number> {
  const json = args.includes('--json');
  const rest = args.filter(a => a !== '--json');
  const [cmd, elf, ...items] = rest;
  if (!cmd || cmd === '--help' || cmd === '-h') { process.stdout.write(USAGE); return cmd ? 0 : 2; }
  if ((cmd !== 'resolve' && cmd !== 'addr2line' && cmd !== 'global') || !elf || !items.length) { process.stderr.write(USAGE); return 2; }
  const out: string[] = [];
  let code: number;
  let sf: SymbolFile | undefined;
  try {
    sf = SymbolFile.open(elf);
    sf.requireDebugInfo();
    code = cmd === 'resolve' ? resolve(sf, items, json, out) : cmd === 'global' ? globals(sf, items, json, out) : addr2line(sf, items, json, out);
  } catch (e) {
    process.stderr.write(`exo-debug symbols: ${describeError(e)}\n`);
    return 1;
  } finally {
    sf?.close();
  }
  process.stdout.write(out.join('\n') + '\n');
  return code;
}
