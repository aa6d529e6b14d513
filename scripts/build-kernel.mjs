// `npm run build:kernel`: builds Exo-OS with cargo (target dir build/kernel/target) twice —
// the normal kernel and the in-QEMU test runner (feature test-runner) — and leaves
// build/kernel/exo.elf, build/kernel/exo-test.elf and their link maps (exo.map, exo-test.map);
// then the user programs (kernel/user, gcc freestanding static ELF) packed into
// build/kernel/initrd.cpio (cpio newc, packed here: no external cpio needed).
import { spawnSync } from 'node:child_process';
import { copyFileSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
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

const userDir = join(kernelDir, 'user');
const userOut = join(outDir, 'user');
// Freestanding static ELF for ring 3: no libc, no PIE, no SSE in our code (the kernel saves
// SSE state anyway), DWARF 5 from gcc 12 for the debugger.
const USER_CFLAGS = ['-ffreestanding', '-nostdlib', '-static', '-fno-pie', '-no-pie', '-O1', '-g', '-fno-stack-protector',
  '-fcf-protection=none', '-mgeneral-regs-only', '-Wall', '-Werror'];

function buildUser(name) {
  const out = join(userOut, name);
  const r = spawnSync('gcc', [...USER_CFLAGS, '-o', out, join(userDir, 'start.S'), join(userDir, 'lib.c'),
    join(userDir, `${name}.c`)], { stdio: ['ignore', 'inherit', 'inherit'] });
  if (r.error) fail(`could not run gcc for user program ${name}: ${r.error.message}`);
  if (r.status !== 0) fail(`gcc failed for user program ${name} (exit ${r.status}); see the errors above.`);
  return readFileSync(out);
}

/** A copy of `elf` whose PT_GNU_STACK header is turned into PT_INTERP (exec must refuse it). */
function withInterp(elf) {
  const b = Buffer.from(elf);
  const phoff = Number(b.readBigUInt64LE(32));
  const phentsize = b.readUInt16LE(54);
  for (let i = 0; i < b.readUInt16LE(56); i++) {
    const at = phoff + i * phentsize;
    if (b.readUInt32LE(at) === 0x6474e551) {
      b.writeUInt32LE(3, at);
      return b;
    }
  }
  fail('user ELF has no PT_GNU_STACK header to turn into PT_INTERP');
  return b;
}

/** A copy of `elf` for another machine (EM_386): exec must reject it. */
function withBadMachine(elf) {
  const b = Buffer.from(elf);
  b.writeUInt16LE(3, 18);
  return b;
}

/** cpio "newc" archive of [name, mode, data] entries plus the trailer. */
export function packCpio(entries) {
  const parts = [];
  const pad4 = (n) => Buffer.alloc((4 - (n % 4)) % 4);
  let ino = 1;
  for (const [name, mode, data] of [...entries, ['TRAILER!!!', 0, Buffer.alloc(0)]]) {
    const nameBytes = Buffer.from(`${name}\0`, 'utf8');
    const fields = [ino++, mode, 0, 0, 1, 0, data.length, 0, 0, 0, 0, nameBytes.length, 0];
    const header = Buffer.from(`070701${fields.map((f) => f.toString(16).padStart(8, '0')).join('')}`, 'ascii');
    parts.push(header, nameBytes, pad4(header.length + nameBytes.length), data, pad4(data.length));
  }
  return Buffer.concat(parts);
}

mkdirSync(outDir, { recursive: true });
build('', 'exo.elf', 'exo.map');
build('test-runner', 'exo-test.elf', 'exo-test.map');
mkdirSync(userOut, { recursive: true });
const init = buildUser('init');
const hello = buildUser('hello');
const DIR = 0o040755;
const FILE = 0o100755;
writeFileSync(join(outDir, 'initrd.cpio'), packCpio([
  ['bin', DIR, Buffer.alloc(0)],
  ['bin/init', FILE, init],
  ['bin/hello', FILE, hello],
  ['bin/bad', FILE, withBadMachine(hello)],
  ['bin/interp', FILE, withInterp(hello)],
  ['etc', DIR, Buffer.alloc(0)],
  ['etc/motd', 0o100644, readFileSync(join(userDir, 'motd.txt'))],
]));
process.stdout.write(`build:kernel: ${join(outDir, 'exo.elf')}, exo-test.elf and initrd.cpio ready\n`);
