// subprogramAt's sorted per-unit index against the plain definition (the first subprogram in DIE
// order whose ranges hold the pc) at every 3rd byte of every unit's ranges in the kernel image.
import { strict as assert } from 'node:assert';
import { SymbolFile } from '../../../../adapter/symbols/symbolfile';
import { DW_AT, DW_TAG, type Die, type Unit } from '../../../../adapter/symbols/dwarf';
import { subprogramAt, unitForPc } from '../../../../adapter/symbols/values/scope';
import { kernelArtifact } from '../../kernel/paths';

function linearSubprogramAt(unit: Unit, pc: bigint): Die | undefined {
  for (const d of unit.diesWithTag(new Set([DW_TAG.subprogram]))) {
    if (!d.has(DW_AT.low_pc) && !d.has(DW_AT.ranges)) continue;
    try { if (d.pcRanges().some(r => r.low <= pc && pc < r.high)) return d; } catch { /* covers nothing */ }
  }
  return undefined;
}

describe('symbols/values subprogramAt', () => {
  it('finds the same subprogram as a linear scan, and the unit through .debug_aranges', function () {
    this.timeout(120_000);
    const sf = SymbolFile.open(kernelArtifact('exo.elf'));
    try {
      let checked = 0, found = 0;
      for (const u of sf.units()) {
        let ranges;
        try { ranges = u.root().pcRanges(); } catch { continue; }
        for (const r of ranges) {
          for (let pc = r.low; pc < r.high; pc += 3n) {
            const want = linearSubprogramAt(u, pc);
            const got = subprogramAt(u, pc);
            assert.equal(got?.offset, want?.offset, `pc 0x${pc.toString(16)}`);
            if (want) found++;
            // Code the linker dropped sits at 0 in many units: only linked code has one unit.
            if (want && pc >= 0x1000n) assert.equal(unitForPc(sf.dwarf, pc)?.offset, u.offset, `unit at 0x${pc.toString(16)}`);
            checked++;
          }
        }
      }
      assert.ok(found > 10_000 && checked >= found, `checked ${checked}, in a subprogram ${found}`);
    } finally { sf.close(); }
  });
});
