// DW_OP_entry_value, best effort as gdb does it: the value a register had at function entry is
// the DW_AT_call_value of the matching DW_TAG_call_site_parameter at the caller's call site.
import { DW_TAG, type Die, type Dwarf } from '../dwarf';
import { subprogramAt, unitForPc } from './scope';

const DW_AT_call_return_pc = 0x7d, DW_AT_call_value = 0x7e, DW_AT_low_pc = 0x11, DW_AT_location = 0x02;
const DW_AT_GNU_call_site_value = 0x2111;
const CALL_SITE_TAGS = new Set<number>([DW_TAG.call_site, DW_TAG.GNU_call_site]);

/** The register a `DW_OP_regN` / `DW_OP_regx N` entry-value operand names, else undefined. */
export function entryRegister(expr: Uint8Array): number | undefined {
  if (expr.length === 1 && expr[0] >= 0x50 && expr[0] <= 0x6f) return expr[0] - 0x50;
  if (expr.length >= 2 && expr[0] === 0x90) {
    let v = 0, shift = 0;
    for (let i = 1; i < expr.length && shift < 28; i++) {
      v |= (expr[i] & 0x7f) << shift; shift += 7;
      if ((expr[i] & 0x80) === 0) return i === expr.length - 1 ? v : undefined;
    }
  }
  return undefined;
}

const callSiteCache = new WeakMap<Die, Map<bigint, Die>>();

/** The call site in the caller whose return address is `returnPc`. */
export function callSiteAt(dwarf: Dwarf, returnPc: bigint): Die | undefined {
  const unit = unitForPc(dwarf, returnPc - 1n);
  const sub = unit && subprogramAt(unit, returnPc - 1n);
  if (!sub) return undefined;
  let sites = callSiteCache.get(sub);
  if (!sites) {
    sites = new Map();
    const walk = (d: Die, depth: number) => {
      if (depth > 64) return;
      for (const c of d.children()) {
        if (CALL_SITE_TAGS.has(c.tag)) {
          const ret = c.address(DW_AT_call_return_pc) ?? c.address(DW_AT_low_pc);
          if (ret !== undefined) sites!.set(ret, c);
        } else if (c.hasChildren) walk(c, depth + 1);
      }
    };
    walk(sub, 0);
    callSiteCache.set(sub, sites);
  }
  return sites.get(returnPc);
}

/** The DW_AT_call_value expression for register `reg` at `site`, if the compiler recorded one. */
export function callValueFor(site: Die, reg: number): { die: Die; expr: Uint8Array } | undefined {
  for (const p of site.children()) {
    if (p.tag !== DW_TAG.call_site_parameter && p.tag !== 0x410a /* GNU_call_site_parameter */) continue;
    const loc = p.attr(DW_AT_location);
    if (!loc || (loc.kind !== 'exprloc' && loc.kind !== 'block') || entryRegister(loc.bytes) !== reg) continue;
    const v = p.attr(DW_AT_call_value) ?? p.attr(DW_AT_GNU_call_site_value);
    if (v && (v.kind === 'exprloc' || v.kind === 'block')) return { die: p, expr: v.bytes };
  }
  return undefined;
}
