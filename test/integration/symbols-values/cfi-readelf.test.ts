// CFI tables vs binutils: every row of every FDE that `readelf --debug-dump=frames-interp` prints
// (CFA rule and each register rule) must equal our row evaluator's answer at that address.
// Inputs: static glibc (.eh_frame, hand-written asm CFI), gcc's .debug_frame, rustc, Exo-OS.
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { join } from 'node:path';
import { FileSource } from '../../../adapter/symbols/bytesource';
import type { RegisterRule, UnwindRow } from '../../../adapter/symbols/cfi/rows';
import type { CfiSection } from '../../../adapter/symbols/cfi/section';
import { ElfFile } from '../../../adapter/symbols/elf';
import { cfiSectionsOf } from '../../../adapter/symbols/unwind/stack';
import { X86_64_REG_NAMES } from '../../../adapter/symbols/unwind/unwinder';
import { kernelArtifact } from '../../unit/kernel/paths';
import { Fixture, FIXTURE_DIR } from './oracle';

const regName = (r: number) => (r === 16 ? 'ra' : r < 16 ? X86_64_REG_NAMES[r] : r <= 32 ? `xmm${r - 17}` : `r${r}`);
const regNumber = (n: string) => (n === 'ra' ? 16 : n.startsWith('xmm') ? 17 + Number(n.slice(3)) : X86_64_REG_NAMES.indexOf(n));
const signed = (v: bigint) => (v >= 0n ? `+${v}` : `${v}`);

function cfaText(row: UnwindRow): string {
  return row.cfa.kind === 'regOffset' ? `${regName(row.cfa.reg)}${signed(row.cfa.offset)}` : 'exp';
}
function ruleText(r: RegisterRule | undefined): string {
  if (!r) return 'u';
  switch (r.kind) {
    case 'undefined': return 'u';
    case 'sameValue': return 's';
    case 'offset': return `c${signed(r.offset)}`;
    case 'valOffset': return `v${signed(r.offset)}`;
    case 'register': return `r${r.reg} (${regName(r.reg)})`;
    case 'expression': return 'exp';
    case 'valExpression': return 'vexp';
  }
}

/** Compares every printed row of one section; returns the number of rows compared. */
function compareWithReadelf(exe: string, section: CfiSection): number {
  const r = spawnSync('readelf', ['-W', '--debug-dump=frames-interp', exe], { encoding: 'utf8', maxBuffer: 256 << 20 });
  assert.equal(r.status, 0, r.stderr);
  const title = section.kind === 'eh_frame' ? 'Contents of the .eh_frame section:' : 'Contents of the .debug_frame section:';
  const start = r.stdout.indexOf(title);
  assert.ok(start >= 0, `readelf printed no ${title}`);
  const next = r.stdout.indexOf('Contents of the', start + title.length);
  const lines = r.stdout.slice(start, next < 0 ? undefined : next).split('\n');
  let rows = 0;
  const mismatches: string[] = [];
  let cols: string[] = [];
  let inFde = false;
  for (const line of lines) {
    const head = /^[0-9a-f]{8} [0-9a-f]+ [0-9a-f]+ (CIE|FDE)(?: cie=[0-9a-f]+ pc=([0-9a-f]+)\.\.([0-9a-f]+))?/.exec(line);
    if (head) {
      // FDEs of code the linker discarded keep address 0; we do not index them (nor does gdb use them)
      inFde = head[1] === 'FDE' && BigInt('0x' + head[2]) !== 0n && head[2] !== head[3];
      cols = [];
      continue;
    }
    if (/^\s+LOC\s+CFA/.test(line)) { cols = line.trim().split(/\s+/).slice(2); continue; }
    const row = /^([0-9a-f]{16}) (\S+)\s*(.*)$/.exec(line);
    if (!row || !inFde) continue;
    const pc = BigInt('0x' + row[1]);
    const found = section.rowAt(pc);
    if (!found) { mismatches.push(`0x${pc.toString(16)}: no FDE`); continue; }
    const ours = [cfaText(found.row), ...cols.map(c => ruleText(found.row.registers.get(regNumber(c))))].join(' ');
    const theirs = [row[2], ...row[3].trim().split(/\s+/).filter(Boolean)].join(' ');
    if (ours !== theirs) mismatches.push(`0x${pc.toString(16)} [${cols.join(' ')}]: ours "${ours}" readelf "${theirs}"`);
    rows++;
  }
  assert.deepEqual(mismatches.slice(0, 10), []);
  return rows;
}

describe('CFI rows vs readelf --debug-dump=frames-interp', function () {
  this.timeout(180_000);
  const fx = new Fixture();
  after(() => fx.cleanup());

  it('static glibc + fixture: .eh_frame', () => {
    const exe = fx.compile('frames.c', '-O2', 'cfi-eh');
    const [eh] = cfiSectionsOf(new ElfFile(new FileSource(exe)));
    assert.equal(eh.kind, 'eh_frame');
    const n = compareWithReadelf(exe, eh);
    assert.ok(n > 2000, `only ${n} rows`);
    assert.deepEqual(eh.problems, []);
  });

  it('gcc .debug_frame (-fno-asynchronous-unwind-tables)', () => {
    const exe = join(fx.dir, 'cfi-df');
    const r = spawnSync('gcc', ['-O2', '-g', '-static', '-no-pie', '-fno-asynchronous-unwind-tables', '-o', exe, join(FIXTURE_DIR, 'frames.c')]);
    assert.equal(r.status, 0, String(r.stderr));
    const df = cfiSectionsOf(new ElfFile(new FileSource(exe)))[0];
    assert.equal(df.kind, 'debug_frame', 'gcc emitted .debug_frame for our code');
    const n = compareWithReadelf(exe, df);
    assert.ok(n >= 10, `only ${n} rows`);
  });

  it('rustc (std, core) .eh_frame', () => {
    const exe = fx.compileRust('values.rs', '0', 'cfi-rs');
    const [eh] = cfiSectionsOf(new ElfFile(new FileSource(exe)));
    assert.ok(compareWithReadelf(exe, eh) > 1000);
  });

  it('Exo-OS kernel .eh_frame (incl. isr_common signal frame CFI)', () => {
    const exe = kernelArtifact('exo.elf');
    const sections = cfiSectionsOf(new ElfFile(new FileSource(exe)));
    const eh = sections.find(s => s.kind === 'eh_frame');
    assert.ok(eh, 'the kernel keeps .eh_frame');
    assert.ok(compareWithReadelf(exe, eh) > 500);
  });
});
