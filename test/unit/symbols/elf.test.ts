// ELF layer on real gcc output: section headers, .symtab lookups both ways, the build-id note,
// and SHF_COMPRESSED (zlib) debug sections giving the same answers as plain ones.
import assert from 'node:assert/strict';
import { ParseError } from '../../../adapter/common/cursor';
import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { ExoError } from '../../../adapter/common/errors';
import { BufferSource, SymbolFile } from '../../../adapter/symbols';
import { SHF_COMPRESSED } from '../../../adapter/symbols/elf';

const TINY = resolve(__dirname, '../../fixtures/symbols/tiny.c');

describe('symbols/elf: headers, symbols, notes, compressed sections', function () {
  this.timeout(60_000);
  let dir: string, plain: string, zlib: string;

  before(() => {
    dir = mkdtempSync(join(tmpdir(), 'exo-sym-elf-'));
    plain = join(dir, 'plain'); zlib = join(dir, 'zlib');
    for (const [out, extra] of [[plain, []], [zlib, ['-gz=zlib']]] as const) {
      const r = spawnSync('gcc', ['-g', '-gdwarf-5', '-O2', ...extra, '-Wl,--build-id=sha1', '-o', out, TINY], { encoding: 'utf8' });
      assert.equal(r.status, 0, r.stderr);
    }
  });
  after(() => rmSync(dir, { recursive: true, force: true }));

  it('looks symbols up by name and by address, like nm', () => {
    const sf = SymbolFile.open(plain);
    const nm = spawnSync('nm', ['--defined-only', plain], { encoding: 'utf8' }).stdout;
    const addrOf = (name: string) => BigInt('0x' + new RegExp(`^([0-9a-f]+) T ${name}$`, 'm').exec(nm)![1]);
    for (const name of ['main', 'sum']) {
      const s = sf.symbolByName(name);
      assert.equal(s?.value, addrOf(name), name);
      assert.equal(s?.type, 'func');
      const at = sf.symbolAt(addrOf(name) + 2n);
      assert.equal(at?.symbol.name, name);
      assert.equal(at?.offset, 2n);
    }
    assert.equal(sf.symbolByName('no_such_symbol'), undefined);
  });

  it('reads the GNU build-id note', () => {
    const sf = SymbolFile.open(plain);
    const readelf = spawnSync('readelf', ['-n', plain], { encoding: 'utf8' }).stdout;
    const id = /Build ID: ([0-9a-f]+)/.exec(readelf)![1];
    assert.equal(sf.elf.buildId(), id);
  });

  it('inflates SHF_COMPRESSED zlib sections and answers exactly as without compression', () => {
    const a = SymbolFile.open(plain), b = SymbolFile.open(zlib);
    const info = b.elf.section('.debug_info')!;
    assert.ok((info.header.flags & SHF_COMPRESSED) !== 0n, 'gcc -gz=zlib must produce compressed sections');
    assert.equal(info.size, a.elf.section('.debug_info')!.size);
    assert.deepEqual(b.breakpointsForFunction('sum'), a.breakpointsForFunction('sum'));
    assert.deepEqual(b.breakpointsForLine('tiny.c', 10), a.breakpointsForLine('tiny.c', 10));
    const fn = a.functionContaining(a.symbolByName('sum')!.value)!;
    for (let pc = fn.low; pc < fn.high; pc++) assert.deepEqual(b.addressInfo(pc), a.addressInfo(pc));
  });

  it('zstd-compressed sections (Node 20 zlib cannot inflate them): a typed error naming the section, on use', () => {
    const z = SymbolFile.open(zlib);
    const info = z.elf.section('.debug_info')!;
    const bytes = new Uint8Array(readFileSync(zlib));
    const at = Number(info.header.offset);
    assert.equal(bytes[at], 1, 'Elf64_Chdr.ch_type is ELFCOMPRESS_ZLIB');
    bytes[at] = 2; // ELFCOMPRESS_ZSTD
    const sf = SymbolFile.open(new BufferSource(bytes));
    assert.equal(sf.symbolByName('sum')?.value, z.symbolByName('sum')?.value, 'the symbol table still works');
    assert.throws(() => sf.breakpointsForFunction('sum'), (e: Error) => e instanceof ParseError && e.section === '.debug_info' && /zstd, only zlib is supported/.test(e.message));
  });

  it('refuses what is not an ELF64 little-endian file with a user error', () => {
    assert.throws(() => SymbolFile.open(new BufferSource(new Uint8Array(100))), (e: Error) => e instanceof ExoError && e.kind === 'user' && /not an ELF file/.test(e.message));
    const elf32 = new Uint8Array(readFileSync(plain)); elf32[4] = 1;
    assert.throws(() => SymbolFile.open(new BufferSource(elf32)), /32-bit ELF/);
    assert.throws(() => SymbolFile.open(join(dir, 'missing')), (e: Error) => e instanceof ExoError && e.kind === 'user' && /cannot open/.test(e.message));
  });
});
