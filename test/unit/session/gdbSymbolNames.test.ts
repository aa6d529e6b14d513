// Which ELF symbol names an address, as gdb's minimal symbols do (found comparing Linux stacks
// with gdb): a zero-sized label inside a sized function defers to the function
// (entry_SYSCALL_64_after_hwframe → entry_SYSCALL_64), an address deep in a large object names
// the object; gdb's `info symbol` on the same assembled file is the oracle.
import * as assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { SymbolFile } from '../../../adapter/symbols';

const ASM = `
  .text
  .skip 16
  .globl entry_fn
  .type entry_fn, @function
entry_fn:
  .skip 8
  .globl after_label
after_label:
  .skip 56
  .size entry_fn, .-entry_fn
  .globl bare_label
bare_label:
  .skip 32
  .data
  .skip 16
  .globl big_object
  .type big_object, @object
big_object:
  .skip 40960
  .size big_object, 40960
  .globl data_end_label
data_end_label:
  .section .pcpu, "aw"
  .globl pcpu_start
pcpu_start:
  .globl fixed_pcpu
  .type fixed_pcpu, @object
fixed_pcpu:
  .skip 64
  .size fixed_pcpu, 64
  .globl ABS_CONST
  .set ABS_CONST, 0x400010
`;

describe('symbols: address → symbol as gdb names it', function () {
  this.timeout(60_000);
  let dir: string;
  let elf: string;
  before(() => {
    dir = fs.mkdtempSync(path.join(os.tmpdir(), 'exo-symnames-'));
    fs.writeFileSync(path.join(dir, 'a.s'), ASM);
    elf = path.join(dir, 'a.elf');
    // .pcpu at address 0, as Linux's per-CPU section (fixed_percpu_data).
    const r = spawnSync('gcc', ['-nostdlib', '-static', '-Wl,-e,entry_fn', '-Wl,--section-start=.pcpu=0', '-o', elf, path.join(dir, 'a.s')], { encoding: 'utf8' });
    assert.equal(r.status, 0, r.stderr);
  });
  after(() => fs.rmSync(dir, { recursive: true, force: true }));

  /** gdb's `info symbol ADDR`: `name + off in section …` → [name, off]. */
  function gdbSymbol(addr: bigint): [string, bigint] | undefined {
    const out = spawnSync('gdb', ['-batch', '-nx', '-ex', `info symbol 0x${addr.toString(16)}`, elf], { encoding: 'utf8' }).stdout;
    const m = /^(\S+)(?: \+ (\d+))? in section/m.exec(out);
    return m ? [m[1], BigInt(m[2] ?? 0)] : undefined;
  }

  it('labels defer to the sized symbol that contains the address; big objects name deep addresses; bare labels still name, not past their section', () => {
    const sf = SymbolFile.open(elf);
    const base = (n: string) => sf.symbolByName(n)!.value;
    // A label ending a section names nothing beyond it.
    const probes = [base('entry_fn') + 4n, base('after_label') + 20n, base('bare_label') + 8n, base('big_object') + 34704n, base('big_object'), base('data_end_label') + 0x100000n];
    for (const a of probes) {
      const ours = sf.symbolAt(a);
      assert.deepEqual(ours ? [ours.symbol.name, ours.offset] : undefined, gdbSymbol(a), `0x${a.toString(16)}`);
    }
    assert.equal(sf.symbolAt(base('after_label') + 20n)?.symbol.name, 'entry_fn');
  });

  it('a section at address 0 names low addresses (the sized object first); absolute constants name nothing', () => {
    const sf = SymbolFile.open(elf);
    assert.equal(sf.symbolByName('fixed_pcpu')?.value, 0n);
    for (const a of [0n, 3n]) {
      const ours = sf.symbolAt(a);
      assert.deepEqual(ours ? [ours.symbol.name, ours.offset] : undefined, gdbSymbol(a), `0x${a.toString(16)}`);
    }
    assert.equal(sf.symbolAt(3n)?.symbol.name, 'fixed_pcpu');
    const abs = sf.symbolByName('ABS_CONST')!.value;
    assert.equal(gdbSymbol(abs + 4n)?.[0] === 'ABS_CONST', false, 'gdb does not name addresses by absolute symbols');
    assert.notEqual(sf.symbolAt(abs + 4n)?.symbol.name, 'ABS_CONST');
  });
});
