// The tree-less readers (dwarf/shallow.ts, blocks.ts, the C paths of functions/names/prologue)
// against the parsed DIE tree on gcc-built C fixtures: same functions, same named subprograms,
// same blocks at every code address, same inlined copies, same locations_valid, same parents.
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { SymbolFile } from '../../../adapter/symbols';
import { DW_AT, DW_TAG } from '../../../adapter/symbols/dwarf/constants';
import type { Die } from '../../../adapter/symbols/dwarf/die';
import { functionsAtTopLevel, topLevelOf } from '../../../adapter/symbols/dwarf/shallow';
import { liveRanges, UnitFunctions } from '../../../adapter/symbols/functions';
import { NameMatcher } from '../../../adapter/symbols/query/names';
import { locationsValid } from '../../../adapter/symbols/query/prologue';
import { FIXTURES } from './oracle';

/** The block chain below a function as the tree gives it (the former tree-walking blocksAt). */
function treeBlocks(fn: Die, pc: bigint): number[] {
  const out: number[] = [];
  const inR = (d: Die) => liveRanges(d.pcRanges(), false).some(r => pc >= r.low && pc < r.high);
  const child = (d: Die, depth: number): Die | undefined => {
    if (depth > 8) return undefined;
    for (const c of d.children()) {
      if (c.tag !== DW_TAG.lexical_block && c.tag !== DW_TAG.inlined_subroutine) continue;
      if (!liveRanges(c.pcRanges(), false).length) {
        if (c.tag === DW_TAG.lexical_block) { const b = child(c, depth + 1); if (b) return b; }
        continue;
      }
      if (inR(c)) return c;
    }
    return undefined;
  };
  for (let cur: Die | undefined = child(fn, 0); cur; cur = child(cur, 0)) out.push(cur.offset);
  return out;
}

for (const [opt, dwarf] of [['-O0', '-gdwarf-5'], ['-O2', '-gdwarf-5'], ['-O2', '-gdwarf-4']] as const) {
  describe(`symbols without the DIE tree agree with it: gcc ${opt} ${dwarf}`, function () {
    this.timeout(120_000);
    let dir: string, elf: string;

    before(() => {
      dir = mkdtempSync(join(tmpdir(), 'exo-shallow-'));
      elf = join(dir, 'oracle');
      const r = spawnSync('gcc', ['-g', dwarf, opt, '-o', elf, 'oracle_main.c', 'oracle_util.c'], { cwd: FIXTURES, encoding: 'utf8' });
      assert.equal(r.status, 0, r.stderr);
    });
    after(() => rmSync(dir, { recursive: true, force: true }));

    it('functions, names, inlined copies, locations_valid and blocks at every code address', () => {
      const shallow = SymbolFile.open(elf), tree = SymbolFile.open(elf);
      let checkedPcs = 0, inlined = 0;
      const units = shallow.units().filter(u => functionsAtTopLevel(u));
      assert.ok(units.length >= 2, 'the C units');
      for (const [i, su] of units.entries()) {
        const tu = tree.units()[tree.units().findIndex(u => u.offset === su.offset)];
        assert.ok(tu.dieCount > 0); // parses the tree: the same calls then take the tree paths
        assert.equal(su.treeParsed, false);
        // locations_valid and the named subprograms before anything parses the shallow unit's tree.
        assert.equal(locationsValid(su), locationsValid(tu), `locations_valid of unit ${i}`);
        const sf = new UnitFunctions(su, false), tf = new UnitFunctions(tu, false);
        // Every subprogram with code anywhere in the tree, against the top-level list.
        const fromTree = [...tu.diesWithTag(new Set([DW_TAG.subprogram]))]
          .map(d => ({ d, rs: liveRanges(d.pcRanges(), false) })).filter(x => x.rs.length)
          .map(x => [x.d.offset, x.rs[0].low, x.d.qualifiedName()]);
        assert.deepEqual(sf.list.map(f => [f.die.offset, f.entry, f.name]).sort((a, b) => Number(a[0]) - Number(b[0])), fromTree);
        for (const f of tf.list) {
          const name = f.die.name();
          if (!name) continue;
          const sNamed = new NameMatcher(shallow, name).subprograms(su), tNamed = new NameMatcher(tree, name).subprograms(tu);
          assert.deepEqual([...sNamed].sort(), [...tNamed].sort(), `subprograms named ${name}`);
          const si = sf.inlinedInstances(sNamed), ti = tf.inlinedInstances(tNamed);
          assert.deepEqual(si.map(x => [x.die.offset, x.entry]), ti.map(x => [x.die.offset, x.entry]), `inlined copies of ${name}`);
          inlined += ti.length;
        }
        const t = topLevelOf(su);
        for (let k = 0; k < t.count; k++) {
          const d = su.dieAt(t.offs[k] as never);
          assert.equal(d.parent()?.offset, tu.dieAt(t.offs[k] as never).parent()?.offset);
        }
        assert.equal(su.treeParsed, false, 'none of the above parsed the tree');
        for (const f of tf.list) {
          for (const r of f.ranges) {
            for (let pc = r.low; pc < r.high; pc++) {
              const got = sf.blocksAt(pc);
              assert.equal(got[0]?.die.offset, f.die.offset);
              assert.deepEqual(got.slice(1).map(b => b.die.offset), treeBlocks(f.die, pc), `blocks at 0x${pc.toString(16)}`);
              for (const b of got.slice(1)) {
                if (b.kind === 'lexical') assert.equal(b.real, tu.dieAt(b.die.offset).children().some(c => ![DW_TAG.lexical_block, DW_TAG.inlined_subroutine, DW_TAG.GNU_call_site, DW_TAG.call_site].includes(c.tag as never)));
                else assert.ok(b.die.has(DW_AT.abstract_origin));
              }
              checkedPcs++;
            }
          }
        }
      }
      assert.ok(checkedPcs > 200, `${checkedPcs} addresses`);
      if (opt === '-O2') assert.ok(inlined > 0, 'the -O2 build inlines');
      shallow.close(); tree.close();
    });
  });
}
