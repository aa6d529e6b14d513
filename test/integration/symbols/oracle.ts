// gdb as the oracle: runs test/fixtures/symbols/gdb_oracle.py in `gdb -batch` over a binary and
// compares its answers with SymbolFile's. Mismatches are returned as readable lines.
import { spawnSync } from 'node:child_process';
import { readFileSync, writeFileSync } from 'node:fs';
import { join, posix, resolve } from 'node:path';
import { hex } from '../../../adapter/common/hex';
import type { SymbolFile } from '../../../adapter/symbols';

export const FIXTURES = resolve(__dirname, '../../fixtures/symbols');

export interface OracleQueries { breaks: string[]; infoLines: string[]; pcs: bigint[] }
export interface OracleAnswers {
  breaks: Record<string, string[] | { error: string }>;
  infoLines: Record<string, string>;
  pcs: Record<string, { file?: string; line?: number; functions: string[] }>;
}

/** `info line` answers each from a fresh gdb: for a file in several units gdb's choice depends on which units it expanded before. */
export function freshInfoLines(elf: string, specs: string[]): Record<string, string> {
  const out: Record<string, string> = {};
  for (const spec of specs) {
    const r = spawnSync('gdb', ['-batch', '-nx', '-ex', `info line ${spec}`, elf], { encoding: 'utf8', timeout: 120_000 });
    out[spec] = (r.stdout.trim().split('\n')[0] ?? '') || `error: ${r.stderr.trim()}`;
  }
  return out;
}

export function runGdb(elf: string, q: OracleQueries, dir: string): OracleAnswers {
  const inPath = join(dir, `oracle-in-${process.pid}.json`), outPath = join(dir, `oracle-out-${process.pid}.json`);
  writeFileSync(inPath, JSON.stringify({ breaks: q.breaks, infoLines: q.infoLines, pcs: q.pcs.map(p => hex(p)) }));
  const r = spawnSync('gdb', ['-batch', '-nx', '-x', join(FIXTURES, 'gdb_oracle.py'), elf], {
    env: { ...process.env, ORACLE_IN: inPath, ORACLE_OUT: outPath }, encoding: 'utf8', timeout: 600_000, maxBuffer: 64 << 20,
  });
  if (r.status !== 0) throw new Error(`gdb failed (${r.status ?? r.signal}): ${r.stderr.slice(-2000)}`);
  return JSON.parse(readFileSync(outPath, 'utf8')) as OracleAnswers;
}

const fmt = (xs: bigint[]) => xs.map(x => hex(x)).join(',');

export function compareBreaks(sf: SymbolFile, a: OracleAnswers, specs: string[]): string[] {
  const bad: string[] = [];
  for (const spec of specs) {
    const g = a.breaks[spec];
    const m = /^(.+):(\d+)$/.exec(spec);
    const ours = m ? sf.breakpointsForLine(m[1], Number(m[2])) : sf.breakpointsForFunction(spec);
    const gdbAddrs = Array.isArray(g) ? g.join(',') : `error: ${g.error}`;
    const ourAddrs = ours.ok ? fmt(ours.addresses) : `error: ${ours.reason}`;
    const gdbFailed = !Array.isArray(g) || g.length === 0;
    if (gdbFailed && !ours.ok) continue; // both refuse (messages may differ)
    if (gdbAddrs !== ourAddrs) bad.push(`break ${spec}: gdb ${gdbAddrs} | ours ${ourAddrs}`);
  }
  return bad;
}

export function compareInfoLines(sf: SymbolFile, a: OracleAnswers, specs: string[]): string[] {
  const bad: string[] = [];
  for (const spec of specs) {
    const g = a.infoLines[spec];
    const m = /^(.+):(\d+)$/.exec(spec)!;
    const ours = sf.infoLine(m[1], Number(m[2]));
    const starts = /starts at address (0x[0-9a-f]+).* and ends at (0x[0-9a-f]+)/.exec(g);
    const noCode = /is at address (0x[0-9a-f]+).* but contains no code/.exec(g);
    let gdbView: string;
    if (starts) gdbView = `${starts[1]}-${starts[2]}`;
    else if (noCode) gdbView = `${noCode[1]} no code`;
    else gdbView = 'none';
    const ourView = !ours.ok ? 'none' : ours.noCode ? `${hex(ours.start)} no code` : `${hex(ours.start)}-${hex(ours.end)}`;
    if (gdbView !== ourView) bad.push(`info line ${spec}: gdb ${gdbView} (${g}) | ours ${ourView}`);
  }
  return bad;
}

export function comparePcs(sf: SymbolFile, a: OracleAnswers, pcs: bigint[]): string[] {
  const bad: string[] = [];
  for (const pc of pcs) {
    const g = a.pcs[hex(pc)];
    const ours = sf.addressInfo(pc);
    // gdb leaves `..` in paths of files it cannot find on disk; we normalize them.
    const gdbView = `${g.file ? posix.normalize(g.file) : '?'}:${g.line ?? 0} [${g.functions.join(' < ')}]`;
    const fnChain = ours.function ? [...ours.inlined.map(i => i.function), ours.function.name] : [];
    const ourView = `${ours.file ?? '?'}:${ours.line ?? 0} [${fnChain.join(' < ')}]`;
    if (gdbView !== ourView) bad.push(`${hex(pc)}: gdb ${gdbView} | ours ${ourView}`);
  }
  return bad;
}

export function report(kind: string, bad: string[], total: number): string {
  return `${bad.length} of ${total} ${kind} differ from gdb:\n  ${bad.slice(0, 25).join('\n  ')}`;
}
