// `npm run build:kernel`: builds Exo-OS with cargo (target dir build/kernel/target) twice —
// the normal kernel and the in-QEMU test runner (feature test-runner) — and leaves
// build/kernel/exo.elf, build/kernel/exo-test.elf and their link maps (exo.map, exo-test.map).
import { spawnSync } from 'node:child_process';
import { copyFileSync, mkdirSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = resolve(dirname(fileURLToPath(import.meta.url)), '..');
const kernelDir = join(root, 'kernel');
const outDir = join(root, 'build', 'kernel');
const targetDir = join(outDir, 'target');
const triple = 'x86_64-unknown-linux-gnu';

function fail(msg) {
  process.stderr.write(`build:kernel: ${msg}\n`);
  process.exit(1);
}

const probe = spawnSync('cargo', ['--version'], { stdio: 'ignore' });
if (probe.error || probe.status !== 0) {
  fail('cargo was not found on PATH: install a stable Rust toolchain (rustup) to build the Exo-OS kernel.');
}

function build(features, elfName, mapName) {
  const args = ['build', '--manifest-path', join(kernelDir, 'Cargo.toml'), '--target-dir', targetDir, '--target', triple,
    '--message-format=json-render-diagnostics'];
  if (features) args.push('--features', features);
  const r = spawnSync('cargo', args, { cwd: kernelDir, stdio: ['ignore', 'pipe', 'inherit'], encoding: 'utf8', maxBuffer: 64 << 20 });
  if (r.error) fail(`could not run cargo: ${r.error.message}`);
  if (r.status !== 0) fail(`cargo build${features ? ` --features ${features}` : ''} failed (exit ${r.status}); see the errors above.`);
  // cargo's JSON messages name the linked ELF and the build script's OUT_DIR (the link map).
  let elf = null;
  let outDirOfScript = null;
  for (const line of r.stdout.split('\n')) {
    if (!line.startsWith('{')) continue;
    const m = JSON.parse(line);
    if (m.reason === 'compiler-artifact' && m.target?.name === 'exo' && m.executable) elf = m.executable;
    if (m.reason === 'build-script-executed' && /[/#]exo[@#]/.test(m.package_id)) outDirOfScript = m.out_dir;
  }
  if (!elf) fail('cargo reported no exo executable.');
  copyFileSync(elf, join(outDir, elfName));
  if (outDirOfScript) copyFileSync(join(outDirOfScript, 'exo.map'), join(outDir, mapName));
}

mkdirSync(outDir, { recursive: true });
build('', 'exo.elf', 'exo.map');
build('test-runner', 'exo-test.elf', 'exo-test.map');
process.stdout.write(`build:kernel: ${join(outDir, 'exo.elf')} and exo-test.elf ready\n`);
