// Debug Console completions over a real symbol file (Exo-OS's exo.elf): the name lists are built in
// slices with event-loop turns between them (other requests are served meanwhile) and equal the
// one-pass listing of every ELF symbol; sorted lists are searched, not re-sorted; `column` and
// `start` count in the client's columns (DAP columnsStartAt1), VS Code's 0-based `start` aside.
import * as assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { complete } from '../../../adapter/session/eval/complete';
import { buildNameLists, clientColumns, cursorOffset, startColumn } from '../../../adapter/session/inspect/completions';
import { SymbolFile } from '../../../adapter/symbols';
import { demangle } from '../../../adapter/symbols/demangle';

const KERNEL = path.resolve(__dirname, '../../../build/kernel/exo.elf');
const PATH_NAME = /^[A-Za-z_][A-Za-z0-9_]*(?:::[A-Za-z_][A-Za-z0-9_]*)*$/;

describe('session/completions: name lists and client columns', () => {
  it('builds the lists in slices, equal to a one-pass listing of the ELF symbols', async function () {
    assert.ok(fs.existsSync(KERNEL), 'build/kernel/exo.elf is missing: run npm run build:kernel');
    const file = SymbolFile.open(KERNEL);
    let turns = 0;
    let counting = true;
    const count = () => { if (counting) { turns++; setImmediate(count); } };
    setImmediate(count);
    const lists = await buildNameLists(file.elf);
    counting = false;
    const want = { globals: new Set<string>(), functions: new Set<string>() };
    for (const s of file.elf.symbols().all) {
      if (s.shndx === 0 || !s.name || (s.type !== 'object' && s.type !== 'func')) continue;
      const n = demangle(s.name);
      if (PATH_NAME.test(n)) (s.type === 'object' ? want.globals : want.functions).add(n);
    }
    assert.deepEqual(lists.globals, [...want.globals].sort());
    assert.deepEqual(lists.functions, [...want.functions].sort());
    assert.ok(lists.globals.includes('EXO_CPUS') && lists.functions.includes('debug_probe'), 'known names');
    // Another turn of the event loop ran between slices (here: our counter).
    assert.ok(turns >= 3, `only ${turns} event-loop turns while building`);
  });

  it('searches sorted lists by prefix with the same answers as sorting them', async () => {
    const names = ['b', 'exo::cpu::CPUS', 'aa', 'exo::mm::X', 'ab', 'exo', 'Z'];
    const functions = ['exo::kmain', 'abc', 'zz'];
    for (const text of ['', 'a', 'ex', 'exo::', 'exo::c', 'Z', 'q']) {
      const plain = await complete(text, text.length, { names, functions, locals: ['ab', 'l'] });
      const fast = await complete(text, text.length, { names: [...names].sort(), functions: [...functions].sort(), sorted: true, locals: ['ab', 'l'] });
      assert.deepEqual(fast, plain, text);
    }
    const limited = await complete('', 0, { names: [...names].sort(), sorted: true, limit: 2 });
    assert.deepEqual(limited.map(i => i.label), ['Z', 'aa']);
  });

  it('column and start in the client\'s columns: 1-based, 0-based, and VS Code\'s 0-based start', () => {
    const one = clientColumns({ columnsStartAt1: true });
    const zero = clientColumns({ columnsStartAt1: false });
    const vscode = clientColumns({ columnsStartAt1: true, clientID: 'vscode' });
    // `1 + ab|`: the cursor after 6 characters; the fragment `ab` starts at offset 4.
    assert.equal(cursorOffset('1 + ab', 7, one), 6);
    assert.equal(cursorOffset('1 + ab', 6, zero), 6);
    assert.equal(cursorOffset('1 + ab', 7, vscode), 6);
    assert.deepEqual([startColumn(4, one), startColumn(4, zero), startColumn(4, vscode)], [5, 4, 4]);
    assert.equal(clientColumns({}).columnsStartAt1, true, 'DAP default');
    assert.equal(cursorOffset('ab', 99, one), 2, 'clamped to the text');
  });
});
