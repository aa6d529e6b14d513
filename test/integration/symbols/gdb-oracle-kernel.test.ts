// Oracle test on the Exo-OS kernel (Rust, LLVM, DWARF 5 with core's DWARF 4 units, plus the
// GNU as boot stub): function breakpoints, every line of every kernel source file, `info line`
// and many code addresses must agree with gdb.
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { copyFileSync, existsSync, mkdtempSync, readdirSync, readFileSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, relative, resolve } from 'node:path';
import { SymbolFile } from '../../../adapter/symbols';
import { unitsWithFile } from '../../../adapter/symbols/query/fileindex';
import { compareBreaks, compareInfoLines, comparePcs, report, runGdb, type OracleAnswers } from './oracle';

const ROOT = resolve(__dirname, '../../..');
const KERNEL = join(ROOT, 'kernel');
const ELF = join(ROOT, 'build/kernel/exo.elf');

function rustSources(dir: string): string[] {
  const out: string[] = [];
  for (const e of readdirSync(dir)) {
    const p = join(dir, e);
    if (statSync(p).isDirectory()) out.push(...rustSources(p));
    else if (p.endsWith('.rs')) out.push(p);
  }
  return out.sort();
}

describe('symbols vs gdb: Exo-OS kernel (build/kernel/exo.elf)', function () {
  this.timeout(600_000);
  let dir: string, elf: string, sf: SymbolFile, answers: OracleAnswers;
  let functions: string[] = [], pcs: bigint[] = [];
  const lineSpecs: string[] = [], infoSpecs: string[] = [];

  before(() => {
    if (!existsSync(ELF)) {
      const b = spawnSync('npm', ['run', '--silent', 'build:kernel'], { cwd: ROOT, encoding: 'utf8' });
      assert.equal(b.status, 0, `kernel build failed: ${b.stderr}`);
    }
    // A private copy: the kernel may be rebuilt while the test runs.
    dir = mkdtempSync(join(tmpdir(), 'exo-sym-kernel-'));
    elf = join(dir, 'exo.elf');
    copyFileSync(ELF, elf);
    sf = SymbolFile.open(elf);
    const kernelUnits = sf.units().filter(u => u.compDir() === KERNEL && (u.name() ?? '').startsWith('src/'));
    assert.ok(kernelUnits.length > 0, 'no kernel units in exo.elf');
    const names = new Set<string>();
    const addrs = new Set<bigint>();
    for (const u of kernelUnits) {
      for (const f of sf.functions(u).list) {
        if (!/[<{ ]/.test(f.name)) names.add(f.name);
        for (const r of f.ranges) for (let a = r.low; a < r.high; a += 3n) addrs.add(a);
      }
    }
    const all = [...names].sort();
    const step = Math.max(1, Math.floor(all.length / 150));
    functions = all.filter((_, i) => i % step === 0);
    pcs = [...addrs].sort((a, b) => (a < b ? -1 : 1));
    for (const file of rustSources(join(KERNEL, 'src'))) {
      const rel = relative(KERNEL, file);
      const n = readFileSync(file, 'utf8').split('\n').length;
      // `info line` only where one unit has the file: for shared files gdb's pick depends on its history.
      const single = unitsWithFile(sf, rel).length === 1;
      for (let l = 1; l <= n; l++) { lineSpecs.push(`${rel}:${l}`); if (single) infoSpecs.push(`${rel}:${l}`); }
    }
    answers = runGdb(elf, { breaks: [...functions, ...lineSpecs], infoLines: infoSpecs, pcs }, dir);
  });
  after(() => { sf?.close(); if (dir) rmSync(dir, { recursive: true, force: true }); });

  it('function breakpoints (a sample of the kernel crate functions)', () => {
    assert.ok(functions.length >= 20, `only ${functions.length} functions`);
    const bad = compareBreaks(sf, answers, functions);
    assert.deepEqual(bad, [], report('function breakpoints', bad, functions.length));
  });

  it('FILE:LINE breakpoints for every line of every kernel source file', () => {
    const bad = compareBreaks(sf, answers, lineSpecs);
    assert.deepEqual(bad, [], report('line breakpoints', bad, lineSpecs.length));
  });

  it('`info line` for files compiled into one unit', () => {
    const bad = compareInfoLines(sf, answers, infoSpecs);
    assert.deepEqual(bad, [], report('info line answers', bad, infoSpecs.length));
  });

  it('file:line and inlined function chain of every third byte of kernel code', () => {
    assert.ok(pcs.length > 1000, `only ${pcs.length} addresses`);
    const bad = comparePcs(sf, answers, pcs);
    assert.deepEqual(bad, [], report('addresses', bad, pcs.length));
  });
});
