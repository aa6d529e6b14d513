// `exo-debug symbols` end to end (a real process): resolve and addr2line with text and --json
// output, exit codes, and a golden dump of addr2line over the -O2 fixture (inlined frames).
// Golden files are regenerated only with UPDATE_GOLDEN=1; a mismatch writes `<golden>.actual`.
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { hex } from '../../../adapter/common/hex';
import { SymbolFile } from '../../../adapter/symbols';
import { FIXTURES } from './oracle';

const ROOT = resolve(__dirname, '../../..');
const GOLDEN = join(__dirname, 'golden/oracle-O2.addr2line.txt');

function cli(args: string[]): { code: number; out: string; err: string } {
  const r = spawnSync(join(ROOT, 'node_modules/.bin/tsx'), [join(ROOT, 'adapter/cli.ts'), 'symbols', ...args], { encoding: 'utf8', maxBuffer: 64 << 20, timeout: 120_000 });
  return { code: r.status ?? -1, out: r.stdout, err: r.stderr };
}

describe('exo-debug symbols (CLI)', function () {
  this.timeout(180_000);
  let dir: string, elf: string, sf: SymbolFile;

  before(() => {
    dir = mkdtempSync(join(tmpdir(), 'exo-sym-cli-'));
    elf = join(dir, 'oracle');
    // Relative source names and a fixed comp dir keep the dump free of machine paths.
    const r = spawnSync('gcc', ['-g', '-gdwarf-5', '-O2', '-fdebug-prefix-map=' + FIXTURES + '=/fixtures', '-o', elf, 'oracle_main.c', 'oracle_util.c'], { cwd: FIXTURES, encoding: 'utf8' });
    assert.equal(r.status, 0, r.stderr);
    sf = SymbolFile.open(elf);
  });
  after(() => { sf?.close(); rmSync(dir, { recursive: true, force: true }); });

  it('resolve prints the locations and --json the same addresses as the API; failures set exit code 1', () => {
    const text = cli(['resolve', elf, 'classify', 'oracle_main.c:37']);
    assert.equal(text.code, 0, text.err);
    const cls = sf.breakpointsForFunction('classify');
    assert.ok(cls.ok);
    assert.match(text.out, new RegExp(`^classify: ${hex(cls.addresses[0])} in classify at /fixtures/oracle_main.c:\\d+$`, 'm'));
    const json = cli(['resolve', elf, 'classify', 'oracle_main.c:37', 'nosuch', '--json']);
    assert.equal(json.code, 1);
    const res = JSON.parse(json.out) as { query: string; ok: boolean; addresses?: string[]; reason?: string }[];
    assert.deepEqual(res.map(r => r.query), ['classify', 'oracle_main.c:37', 'nosuch']);
    assert.deepEqual(res[0].addresses, cls.addresses.map(a => hex(a)));
    const line = sf.breakpointsForLine('oracle_main.c', 37);
    assert.ok(line.ok);
    assert.deepEqual(res[1].addresses, line.addresses.map(a => hex(a)));
    assert.deepEqual(res[2], { query: 'nosuch', ok: false, reason: 'Function "nosuch" not defined.' });
  });

  it('addr2line --json gives function, file:line and inlined frames', () => {
    const inl = sf.breakpointsForFunction('manhattan');
    assert.ok(inl.ok && inl.locations.some(l => l.inlined), 'manhattan is inlined at -O2');
    const pc = inl.locations.find(l => l.inlined)!.address;
    const r = cli(['addr2line', elf, hex(pc), '--json']);
    assert.equal(r.code, 0, r.err);
    const [a] = JSON.parse(r.out) as { function: { name: string }; inlined: { function: string; callFile: string }[]; frames: { function: string }[] }[];
    assert.equal(a.inlined[0].function, 'manhattan');
    assert.ok(['main', 'util_walk'].includes(a.function.name));
    assert.equal(a.frames[a.frames.length - 1].function, a.function.name);
  });

  it('bad input: unknown subcommand, bad address, missing file', () => {
    assert.equal(cli(['frobnicate', elf, 'x']).code, 2);
    const bad = cli(['addr2line', elf, 'zz']);
    assert.equal(bad.code, 1);
    assert.match(bad.err, /'zz' is not an address/);
    const missing = cli(['resolve', join(dir, 'nope'), 'main']);
    assert.equal(missing.code, 1);
    assert.match(missing.err, /cannot open .*nope/);
  });

  it('addr2line over every byte of the fixture matches the golden dump', () => {
    const pcs: string[] = [];
    for (const u of sf.units()) for (const f of sf.functions(u).list) for (const r of f.ranges) for (let a = r.low; a < r.high; a++) pcs.push(hex(a));
    pcs.sort();
    const r = cli(['addr2line', elf, ...pcs]);
    assert.equal(r.code, 0, r.err);
    const actual = r.out;
    if (process.env.UPDATE_GOLDEN === '1') { writeFileSync(GOLDEN, actual); return; }
    assert.ok(existsSync(GOLDEN), `no golden file ${GOLDEN}: run with UPDATE_GOLDEN=1 to create it`);
    const expected = readFileSync(GOLDEN, 'utf8');
    if (actual !== expected) {
      writeFileSync(GOLDEN + '.actual', actual);
      assert.fail(`addr2line dump differs from ${GOLDEN}; see ${GOLDEN}.actual (UPDATE_GOLDEN=1 regenerates)`);
    }
  });
});
