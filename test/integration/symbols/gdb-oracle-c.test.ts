// Oracle test: the C fixture built by gcc 12 at -O0 and -O2 (DWARF 5, and DWARF 4 for .debug_ranges/.debug_loc); every function breakpoint,
// every FILE:LINE breakpoint and `info line`, and every code address must agree with gdb.
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { SymbolFile } from '../../../adapter/symbols';
import { compareBreaks, compareInfoLines, comparePcs, FIXTURES, freshInfoLines, report, runGdb, type OracleAnswers } from './oracle';

const SOURCES = ['oracle_main.c', 'oracle_util.c'];
const FILES = ['oracle_main.c', 'oracle_util.c', 'oracle.h'];
const FUNCTIONS = ['main', 'fib', 'classify', 'loop_sum', 'twice', 'thrice', 'apply_all', 'nested_blocks', 'util_sum', 'util_walk', 'clamp', 'manhattan', 'no_such_function'];

for (const [opt, dwarf] of [['-O0', '-gdwarf-5'], ['-O2', '-gdwarf-5'], ['-O2', '-gdwarf-4']]) {
  describe(`symbols vs gdb: C fixture gcc ${opt} ${dwarf}`, function () {
    this.timeout(180_000);
    let dir: string, elf: string, sf: SymbolFile, answers: OracleAnswers;
    const lineSpecs: string[] = [];
    let pcs: bigint[] = [];

    before(() => {
      dir = mkdtempSync(join(tmpdir(), 'exo-sym-oracle-'));
      elf = join(dir, `oracle${opt}${dwarf}`);
      const cc = spawnSync('gcc', ['-g', dwarf, opt, '-o', elf, ...SOURCES.map(s => join(FIXTURES, s))], { encoding: 'utf8' });
      assert.equal(cc.status, 0, `gcc failed: ${cc.stderr}`);
      sf = SymbolFile.open(elf);
      for (const f of FILES) {
        const n = readFileSync(join(FIXTURES, f), 'utf8').split('\n').length;
        for (let l = 1; l <= n + 1; l++) lineSpecs.push(`${f}:${l}`);
      }
      // Every byte of every function of the fixture's units.
      const set = new Set<bigint>();
      for (const u of sf.units()) {
        if (!FILES.some(f => (u.name() ?? '').endsWith(f))) continue;
        for (const fn of sf.functions(u).list) for (const r of fn.ranges) for (let a = r.low; a < r.high; a++) set.add(a);
      }
      pcs = [...set];
      // The header is in both units: ask a fresh gdb each time, for a sample of its lines (a gdb start costs ~0.5 s).
      const shared = lineSpecs.filter(s => s.startsWith('oracle.h:') && Number(s.split(':')[1]) % 3 === 0);
      answers = runGdb(elf, { breaks: [...FUNCTIONS, ...lineSpecs], infoLines: lineSpecs.filter(s => !s.startsWith('oracle.h:')), pcs }, dir);
      Object.assign(answers.infoLines, freshInfoLines(elf, shared));
    });
    after(() => { sf?.close(); if (dir) rmSync(dir, { recursive: true, force: true }); });

    it('function breakpoints land where gdb puts them', () => {
      const bad = compareBreaks(sf, answers, FUNCTIONS);
      assert.deepEqual(bad, [], report('function breakpoints', bad, FUNCTIONS.length));
      assert.ok(sf.breakpointsForFunction('fib').ok, 'fib must resolve');
    });

    it('FILE:LINE breakpoints match gdb for every line of every file', () => {
      const bad = compareBreaks(sf, answers, lineSpecs);
      assert.deepEqual(bad, [], report('line breakpoints', bad, lineSpecs.length));
    });

    it('`info line` matches gdb for every line', () => {
      const asked = lineSpecs.filter(s => s in answers.infoLines);
      const bad = compareInfoLines(sf, answers, asked);
      assert.deepEqual(bad, [], report('info line answers', bad, asked.length));
    });

    it('every code address maps to the same file:line and (inlined) function chain', () => {
      assert.ok(pcs.length > 200, `only ${pcs.length} addresses`);
      const bad = comparePcs(sf, answers, pcs);
      assert.deepEqual(bad, [], report('addresses', bad, pcs.length));
    });
  });
}
