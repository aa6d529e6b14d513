// Plain-text rendering of the exo/* response bodies for the terminal (the --json output is the
// bodies themselves). Pure functions: body in, text out.
import type {
  CowFaultsResponseBody, CpusResponseBody, ElfMappingsResponseBody, PageTableResponseBody, RegionBody, TranslateResponseBody,
} from '../session/views/protocol';

function table(rows: string[][]): string {
  const widths = rows[0].map((_, i) => Math.max(...rows.map(r => (r[i] ?? '').length)));
  return rows.map(r => r.map((c, i) => (i === r.length - 1 ? c : c.padEnd(widths[i]))).join('  ').trimEnd()).join('\n') + '\n';
}

const where = (o: { function?: string; symbol?: string; file?: string; line?: number }) =>
  `${o.function ?? o.symbol ?? ''}${o.file ? ` (${o.file.split('/').pop()}:${o.line})` : ''}`;

export function renderCpus(b: CpusResponseBody): string {
  const kernelKeys = [...new Set(b.cpus.flatMap(c => Object.keys(c.kernel ?? {})))].filter(k => k !== 'id');
  const rows = [['CPU', 'state', 'mode', 'CPL', 'IF', 'paging', 'pc', ...kernelKeys, 'where']];
  for (const c of b.cpus) {
    rows.push([
      String(c.cpu), c.state, c.mode ? `${c.mode}${c.modeCertain === false ? '?' : ''}` : '-', c.cpl === undefined ? '-' : String(c.cpl),
      c.interruptsEnabled === undefined ? '-' : c.interruptsEnabled ? 'on' : 'off', c.paging ?? '-',
      c.linearPc ?? '-', ...kernelKeys.map(k => c.kernel?.[k] ?? ''), where(c),
    ]);
  }
  let out = table(rows);
  for (const c of b.cpus) {
    if (!c.cr0) continue;
    out += `CPU ${c.cpu}: CR0=${c.cr0.value} ${c.cr0.flags}  CR3=${c.cr3!.value} ${c.cr3!.flags}  CR4=${c.cr4!.value} ${c.cr4!.flags}  EFER=${c.efer!.value} ${c.efer!.flags}  GS.base=${c.gsBase}\n`;
  }
  if (b.kernelTable) out += `per-CPU fields from the kernel's ${b.kernelTable} (DWARF)\n`;
  for (const n of b.notes) out += `note: ${n}\n`;
  return out;
}

export function renderPageTable(b: PageTableResponseBody): string {
  if (b.text !== undefined) return b.text;
  let out = `CPU ${b.cpu}: ${b.mode} paging, CR3=${b.cr3}\n`;
  if (b.summary) {
    const s = b.summary;
    out += `${s.leaves} pages mapped (${Object.entries(s.leavesBySize).map(([k, v]) => `${v}×${k}`).join(', ')}), ${BigInt(s.mappedBytes) >> 20n} MiB, ` +
      `${s.ranges} ranges; ${s.userPages} user, ${s.writableExecutable} W+X, ${s.cowBit === null ? 'no COW bit' : `${s.cowPages} COW (bit ${s.cowBit})`}, ${s.garbageEntries} garbage; ` +
      `${s.tablesRead} tables read (${s.bytesRead} bytes)${s.truncated ? ' [truncated]' : ''}\n`;
  }
  if (b.ranges) {
    const rows = [['start', 'end', 'size', 'perm', 'phys']];
    for (const r of b.ranges) {
      rows.push([r.start, r.end, `0x${(BigInt(r.end) - BigInt(r.start)).toString(16)}`, `r${r.writable ? 'w' : '-'}${r.executable ? 'x' : '-'}${r.user ? ' user' : ''}`, r.physContiguous ? r.phys : `${r.phys}…`]);
    }
    out += table(rows);
  }
  if (b.table) {
    const rows = [[b.table.levelName, 'virt', 'raw', 'flags', 'address']];
    for (const e of b.table.entries) rows.push([`[${e.index}]`, e.virt, e.raw, `${e.flags}${e.garbage ? ' GARBAGE' : ''}`, `${e.address}${e.leaf ? ' (page)' : ''}`]);
    out += table(rows);
  }
  return out;
}

export function renderTranslate(b: TranslateResponseBody): string {
  if (b.direction === 'physToVirt') {
    return `physical ${b.phys} is mapped at ${b.virts!.length} virtual address(es) on CPU ${b.cpu}:\n${b.virts!.map(v => `  ${v}\n`).join('')}`;
  }
  let out = '';
  for (const s of b.steps ?? []) out += `  ${s.levelName}[${s.index}] @${s.entryAddress} = ${s.entry.raw}  ${s.entry.flags}${s.entry.garbage ? ' GARBAGE' : ''}\n`;
  out += b.phys !== undefined ? `${b.virt} -> ${b.phys} (page 0x${BigInt(b.pageSize!).toString(16)})\n` : `${b.virt}: ${b.fault}\n`;
  return out;
}

function renderRegion(r: RegionBody): string {
  const ok = r.problems.length === 0 ? 'ok' : `${r.problems.length} problem(s)`;
  let out = `${r.name.padEnd(28)} ${r.start}-${r.end} ${String(r.mappedPages).padStart(5)}/${r.pages} pages mapped, ELF ${r.expected.text}: ${ok}\n`;
  for (const run of r.runs) {
    out += `    ${run.start}-${run.end} ${run.mapped ? `-> ${run.phys} ${run.perms!.text}${run.cow ? ' COW' : ''}${run.permsMatch ? '' : ' (perm mismatch)'}${run.physMatch ? '' : ' (unexpected frame)'}` : 'not mapped'}\n`;
  }
  return out;
}

export function renderElf(b: ElfMappingsResponseBody): string {
  let out = `${b.file} against CPU ${b.cpu}'s page tables (CR3=${b.cr3})\nsegments:\n`;
  out += b.segments.map(renderRegion).join('');
  out += 'sections:\n';
  for (const s of b.sections) {
    const perms = [...new Set(s.runs.filter(r => r.mapped).map(r => r.perms!.text))].join(',') || 'unmapped';
    out += `  ${s.name.padEnd(22)} ${s.start}-${s.end} ELF ${s.expected.text}, mapped ${perms} ${s.mappedPages}/${s.pages}${s.problems.length ? ' !' : ''}\n`;
  }
  out += b.notes.map(n => `note: ${n}\n`).join('');
  out += b.problems.length ? `problems:\n${b.problems.map(p => `  ${p}\n`).join('')}` : 'no problems: every loaded page is mapped as the ELF asks, no W+X\n';
  return out;
}

function renderTrace(b: CowFaultsResponseBody): string {
  const t = b.trace;
  if (!t) return '';
  const out = `fault trace on ${t.function}: ${t.total} hits, ${t.meanCostMs.toFixed(1)} ms stopped per hit\n` + t.notes.map(n => `note: ${n}\n`).join('');
  // A PTE as its frame and flags; "after" as read at the handler's return (or a later stop).
  const pte = (raw: string | undefined, flags: string | undefined) => (raw === undefined ? 'unmapped' : `${(BigInt(raw) & 0x000f_ffff_ffff_f000n).toString(16)} ${flags}`);
  const rows = [['seq', 'cpu', 'address', 'cr2', 'pte before', 'pte after', 'rip']];
  for (const h of t.hits) {
    const after = h.afterAt === undefined ? '(not returned yet)' : pte(h.pteAfter, h.pteAfterFlags) + (h.afterAt === 'stop' ? ' (at a later stop)' : '');
    rows.push([String(h.seq), String(h.cpu), h.address ?? `(${h.addressError})`, h.cr2, pte(h.pteBefore, h.pteBeforeFlags), after, `${h.rip} ${h.symbol ?? ''}`]);
  }
  return out + table(rows);
}

export function renderCow(b: CowFaultsResponseBody): string {
  if (b.source === 'none') return `COW faults: none to show (${b.detail})\n${renderTrace(b)}`;
  let out = renderTrace(b) + `COW faults from ${b.detail}: total ${b.total ?? '?'}, ${b.faults.length} kept (ring of ${b.capacity})${b.overwritten ? `, ${b.overwritten} overwritten` : ''}\n`;
  const rows = [['seq', 'cpu', 'pid', 'address', 'kind', 'refs', 'old frame', 'new frame', 'rip']];
  for (const f of b.faults) {
    rows.push([f.seq, String(f.cpu ?? ''), String(f.pid ?? ''), f.address ?? '', f.kind ?? '', f.refcount ?? '', f.oldFrame ?? '', f.newFrame ?? '', `${f.rip ?? ''} ${where(f)}`]);
  }
  out += table(rows);
  if (b.processes.length) {
    out += 'processes:\n' + table([['pid', 'name', 'cr3', 'state'], ...b.processes.map(p => [String(p.pid), p.name ?? '', p.cr3 ?? '', p.raw.state ?? ''])]);
  }
  return out;
}
