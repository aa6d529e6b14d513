// The disassembler must work inside an esbuild CJS bundle, not only under tsx: bundle a tiny
// entry with the capstone alias scripts/build.mjs uses, put capstone.wasm beside it, run it.
import * as assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { build } from 'esbuild';

describe('x86/disasm in a bundle', function () {
  this.timeout(60_000);
  it('loads capstone.wasm from beside the bundle and decodes', async () => {
    const buildScript = fs.readFileSync('scripts/build.mjs', 'utf8');
    const alias = /'capstone-wasm': '([^']+)'/.exec(buildScript);
    assert.ok(alias, 'scripts/build.mjs no longer aliases capstone-wasm to its CJS build');
    assert.match(buildScript, /capstone\.wasm', 'dist\/capstone\.wasm'/, 'scripts/build.mjs must copy capstone.wasm into dist/');
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'exo-disasm-bundle-'));
    try {
      const entry = path.join(dir, 'entry.ts');
      fs.writeFileSync(entry, `import { Disassembler } from ${JSON.stringify(path.resolve('adapter/x86/disasm'))};
(async () => {
  const d = await Disassembler.create();
  const ins = d.disassemble(Uint8Array.of(0x0f, 0x01, 0xf8, 0x0f, 0x22, 0xd8), 0xffffffff80000000n, 64);
  process.stdout.write(ins.map(i => i.address.toString(16) + ' ' + i.text).join('\\n'));
})();
`);
      const out = path.join(dir, 'out', 'bundle.js');
      await build({ entryPoints: [entry], outfile: out, bundle: true, platform: 'node', target: 'node20', format: 'cjs', logLevel: 'silent', alias: { 'capstone-wasm': path.resolve(alias[1]) } });
      fs.copyFileSync('node_modules/capstone-wasm/dist/capstone.wasm', path.join(dir, 'out', 'capstone.wasm'));
      const text = execFileSync(process.execPath, [out], { encoding: 'utf8', cwd: os.tmpdir() });
      assert.equal(text, 'ffffffff80000000 swapgs\nffffffff80000003 mov cr3, rax');
    } finally {
      fs.rmSync(dir, { recursive: true, force: true });
    }
  });
});
