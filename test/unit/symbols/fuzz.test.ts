// Robustness: truncated and mutated ELF/DWARF inputs (a seeded mutator, 10,000 cases) must give
// typed errors (ExoError naming what is wrong) or answers, never another kind of exception and
// never a hang. The seed binary is compiled from test/fixtures/symbols/tiny.c at test time.
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { ExoError } from '../../../adapter/common/errors';
import { BufferSource, SymbolFile } from '../../../adapter/symbols';

const CASES = Number(process.env.SYMBOLS_FUZZ_CASES ?? 10_000);
const SEED = Number(process.env.SYMBOLS_FUZZ_SEED ?? 0x5eed);

/** mulberry32: small, fast, seeded. */
function rng(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

/** Every query the reader offers, so mutations reach every parser. */
function exercise(bytes: Uint8Array): void {
  const sf = SymbolFile.open(new BufferSource(bytes, 'fuzz.elf'));
  const attempts: (() => unknown)[] = [
    () => sf.elf.symbols().lookup('main'),
    () => sf.elf.notes(),
    () => sf.compilationUnits(),
    () => sf.sourceFiles(),
    () => { for (const u of sf.units()) for (const d of u.dies()) { d.attrs(); d.name(); d.pcRanges(); } },
    () => { for (const u of sf.units()) { sf.lineTable(u)?.lookup(0x1140n); sf.functions(u).list.forEach(f => f.name); } },
    () => sf.breakpointsForFunction('sum'),
    () => sf.breakpointsForFunction('twice'),
    () => sf.breakpointsForLine('tiny.c', 10),
    () => sf.infoLine('tiny.c', 9),
    () => { for (const pc of [0x1040n, 0x1129n, 0x1139n, 0x1150n, 0x1170n]) sf.addressInfo(pc); },
    () => sf.dwarf.aranges(),
  ];
  for (const f of attempts) {
    try { f(); } catch (e) {
      if (e instanceof ExoError && (e.kind === 'protocol' || e.kind === 'user')) continue;
      throw e;
    }
  }
}

describe('symbols: fuzzing with truncated and mutated ELF/DWARF', function () {
  this.timeout(600_000);
  let dir: string, seed: Uint8Array, sections: { start: number; end: number; name: string }[];

  before(() => {
    dir = mkdtempSync(join(tmpdir(), 'exo-sym-fuzz-'));
    const out = join(dir, 'tiny');
    const cc = spawnSync('gcc', ['-g', '-gdwarf-5', '-O2', '-o', out, resolve(__dirname, '../../fixtures/symbols/tiny.c')], { encoding: 'utf8' });
    assert.equal(cc.status, 0, cc.stderr);
    seed = new Uint8Array(readFileSync(out));
    const sf = SymbolFile.open(new BufferSource(seed));
    sections = sf.elf.sectionHeaders
      .filter(h => h.name.startsWith('.debug_') || h.name === '.symtab' || h.name === '.strtab')
      .map(h => ({ name: h.name, start: Number(h.offset), end: Number(h.offset + h.size) }));
    assert.ok(sections.some(s => s.name === '.debug_info') && sections.some(s => s.name === '.debug_line'), 'seed must carry DWARF');
    // The unmutated seed answers every query without error.
    assert.ok(sf.breakpointsForFunction('sum').ok);
    assert.ok(sf.breakpointsForLine('tiny.c', 10).ok);
    exercise(seed);
  });
  after(() => rmSync(dir, { recursive: true, force: true }));

  it(`${CASES} cases: only typed errors, bounded time`, () => {
    const rand = rng(SEED);
    const pick = (n: number) => Math.floor(rand() * n);
    let slowest = 0, errors = 0;
    for (let i = 0; i < CASES; i++) {
      const buf = new Uint8Array(seed);
      let input: Uint8Array = buf;
      const kind = pick(10);
      let what: string;
      if (kind === 0) {
        const len = pick(seed.length);
        input = buf.subarray(0, len);
        what = `truncate to ${len}`;
      } else if (kind === 1) {
        const at = pick(64 + 0x40 * 30);
        buf[at] = pick(256);
        what = `header byte ${at}`;
      } else {
        const s = sections[pick(sections.length)];
        const n = 1 + pick(kind === 2 ? 32 : 4);
        const at0 = s.start + pick(Math.max(1, s.end - s.start));
        for (let k = 0; k < n; k++) {
          const at = Math.min(seed.length - 1, at0 + (kind === 2 ? k : pick(16)));
          buf[at] = kind === 3 ? 0xff : kind === 4 ? 0 : kind === 5 ? buf[at] ^ (1 << pick(8)) : pick(256);
        }
        what = `${n} byte(s) of ${s.name} at +0x${(at0 - s.start).toString(16)}`;
      }
      const t0 = performance.now();
      try {
        exercise(input);
      } catch (e) {
        if (e instanceof ExoError && (e.kind === 'protocol' || e.kind === 'user')) { errors++; continue; }
        assert.fail(`case ${i} (seed ${SEED}, ${what}): ${(e as Error)?.stack ?? String(e)}`);
      }
      const ms = performance.now() - t0;
      if (ms > slowest) slowest = ms;
      assert.ok(ms < 5000, `case ${i} (${what}) took ${ms.toFixed(0)} ms`);
    }
    // The mutations must reach the parsers: a good share of cases end in a typed error.
    assert.ok(errors > CASES / 20, `only ${errors} of ${CASES} cases produced a parse error`);
  });

  it('errors name the section and the offset', () => {
    const buf = new Uint8Array(seed);
    const info = sections.find(s => s.name === '.debug_info')!;
    // Unit length far past the end of the section.
    buf[info.start] = 0xf0; buf[info.start + 1] = 0xff; buf[info.start + 2] = 0xff; buf[info.start + 3] = 0x0f;
    const sf = SymbolFile.open(new BufferSource(buf));
    assert.throws(() => sf.dwarf.unitHeaders(), (e: Error) => e instanceof ExoError && /\.debug_info at offset 0x0: unit length/.test(e.message));
    assert.throws(() => SymbolFile.open(new BufferSource(seed.subarray(0, 40))), (e: Error) => e instanceof ExoError && /<ELF header> at offset 0x0: file is 40 bytes/.test(e.message));
    const lineSec = sections.find(s => s.name === '.debug_line')!;
    const bad = new Uint8Array(seed);
    bad.set([0xf0, 0xff, 0xff, 0x0f], lineSec.start);
    const cut = SymbolFile.open(new BufferSource(bad));
    assert.throws(() => cut.breakpointsForLine('tiny.c', 10), (e: Error) => e instanceof ExoError && /\.debug_line at offset 0x0: line program length/.test(e.message));
  });
});
