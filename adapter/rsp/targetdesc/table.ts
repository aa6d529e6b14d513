// Target description → register table: <target> with <feature>s (possibly pulled in by
// <xi:include href="…"/>) holding <reg name bitsize [regnum] [type] [group]/>. Registers sit
// in the `g` packet in regnum order, each bitsize/8 bytes, with no gaps.
import type { RegisterInfo, RegisterTable } from '../api';
import { ExoError } from '../../common/errors';
import { parseXml, XmlElement } from './xml';

/** Fetches an annex ("target.xml", "i386-64bit.xml", …) as text. */
export type AnnexReader = (annex: string) => Promise<string>;

export interface TargetDescription {
  architecture?: string;
  table: RegisterTable;
}

function bad(why: string): ExoError {
  return new ExoError('protocol', `target description: ${why}`);
}

/** Expands xi:include elements recursively (depth-limited against include loops). */
async function expand(el: XmlElement, read: AnnexReader, depth: number): Promise<XmlElement> {
  const children: XmlElement[] = [];
  for (const c of el.children) {
    if (c.name === 'xi:include' || c.name === 'include') {
      const href = c.attrs.get('href');
      if (!href) throw bad('xi:include without href');
      if (depth > 8) throw bad(`includes nested deeper than 8 levels at '${href}'`);
      children.push(await expand(parseXml(await read(href), href), read, depth + 1));
    } else {
      children.push(await expand(c, read, depth));
    }
  }
  return { ...el, children };
}

function collectRegs(el: XmlElement, feature: string, out: { el: XmlElement; feature: string }[]): void {
  for (const c of el.children) {
    if (c.name === 'feature') collectRegs(c, c.attrs.get('name') ?? '', out);
    else if (c.name === 'reg') out.push({ el: c, feature });
    else if (c.name === 'target') collectRegs(c, feature, out);
  }
}

function findText(el: XmlElement, name: string): string | undefined {
  for (const c of el.children) {
    if (c.name === name) return c.text.trim();
    const t = findText(c, name);
    if (t !== undefined) return t;
  }
  return undefined;
}

export function buildTable(regs: RegisterInfo[]): RegisterTable {
  const byName = new Map(regs.map(r => [r.name, r]));
  const byNum = new Map(regs.map(r => [r.regnum, r]));
  const gSize = regs.reduce((n, r) => n + r.bitsize / 8, 0);
  return { registers: regs, gSize, byName: n => byName.get(n), byNum: n => byNum.get(n) };
}

/** Builds the register table from a parsed, include-expanded description. */
export function tableFromXml(root: XmlElement): TargetDescription {
  const raw: { el: XmlElement; feature: string }[] = [];
  if (root.name === 'feature') collectRegs({ ...root, children: [root] }, '', raw);
  else collectRegs(root, '', raw);
  if (raw.length === 0) throw bad('no <reg> elements');
  let next = 0;
  const regs: Omit<RegisterInfo, 'offset'>[] = [];
  for (const { el, feature } of raw) {
    const name = el.attrs.get('name');
    const bits = el.attrs.get('bitsize');
    if (!name || !bits || !/^[0-9]+$/.test(bits)) throw bad(`<reg> needs name and numeric bitsize (${name ?? '?'})`);
    const bitsize = parseInt(bits, 10);
    if (bitsize === 0 || bitsize % 8 !== 0) throw bad(`register ${name} has bitsize ${bitsize}, not whole bytes`);
    const rn = el.attrs.get('regnum');
    if (rn !== undefined && !/^[0-9]+$/.test(rn)) throw bad(`register ${name} has regnum '${rn}'`);
    const regnum = rn !== undefined ? parseInt(rn, 10) : next;
    next = regnum + 1;
    const group = el.attrs.get('group');
    const type = el.attrs.get('type');
    regs.push({ name, regnum, bitsize, feature, ...(group ? { group } : {}), ...(type ? { type } : {}) });
  }
  regs.sort((a, b) => a.regnum - b.regnum);
  const out: RegisterInfo[] = [];
  let offset = 0;
  for (let k = 0; k < regs.length; k++) {
    if (k > 0 && regs[k].regnum === regs[k - 1].regnum) throw bad(`regnum ${regs[k].regnum} used twice`);
    out.push({ ...regs[k], offset });
    offset += regs[k].bitsize / 8;
  }
  const architecture = findText(root, 'architecture');
  return { ...(architecture ? { architecture } : {}), table: buildTable(out) };
}

/** Reads target.xml and its includes through `read` and builds the register table. */
export async function loadTargetDescription(read: AnnexReader): Promise<TargetDescription> {
  const root = await expand(parseXml(await read('target.xml'), 'target.xml'), read, 0);
  return tableFromXml(root);
}
