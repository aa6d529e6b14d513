// `npm test`: installs what npm cannot (QEMU, gdb via apt-get when root), builds the bundles
// and the kernel, lints, then runs every suite. Fails with one sentence when it cannot proceed.
import { spawnSync } from 'node:child_process';
import { existsSync } from 'node:fs';

const isRoot = process.getuid?.() === 0;
let aptUpdated = false;

function onPath(cmd) {
  return spawnSync('sh', ['-c', 'command -v "$1"', 'sh', cmd], { stdio: 'ignore' }).status === 0;
}

function run(cmd, args, opts = {}) {
  process.stdout.write(`\n> ${cmd} ${args.join(' ')}\n`);
  const r = spawnSync(cmd, args, { stdio: 'inherit', ...opts });
  if (r.status !== 0) {
    process.stderr.write(`npm test: '${cmd} ${args.join(' ')}' failed (exit ${r.status ?? r.signal}).\n`);
    process.exit(r.status || 1);
  }
}

function ensure(cmd, debPackage) {
  if (onPath(cmd)) return;
  if (!isRoot) {
    process.stderr.write(`npm test: ${cmd} is missing: install it with 'sudo apt-get install -y ${debPackage}' and run npm test again.\n`);
    process.exit(1);
  }
  const env = { ...process.env, DEBIAN_FRONTEND: 'noninteractive' };
  if (!aptUpdated) { run('apt-get', ['update', '-q'], { env }); aptUpdated = true; }
  run('apt-get', ['install', '-y', '-q', debPackage], { env });
}

ensure('qemu-system-x86_64', 'qemu-system-x86');
ensure('gdb', 'gdb');
ensure('gcc', 'gcc');
ensure('objdump', 'binutils');
ensure('cpio', 'cpio');         // the initrd test reads our packer's output back with GNU cpio
if (!onPath('cargo')) {
  process.stderr.write('npm test: cargo is missing: install a stable Rust toolchain (rustup) to build the Exo-OS kernel.\n');
  process.exit(1);
}

run('npm', ['run', '--silent', 'build']);
if (existsSync('kernel/Cargo.toml')) run('npm', ['run', '--silent', 'build:kernel']);
run('npx', ['eslint', '.']);
run('npx', ['tsc', '-p', '.', '--noEmit']);
const only = process.argv.slice(2);
// e2e drives the extension in a real VS Code (code-server + headless Chromium); it installs
// its own tools into a cache on first use (test/e2e/harness/tools.ts).
const suites = only.length ? only : ['unit', 'integration', 'e2e'];
for (const s of suites) {
  // A suite folder without tests yet is reported, not an error (mocha would refuse the glob).
  const hasTests = spawnSync('sh', ['-c', `find test/${s} -name '*.test.ts' | grep -q .`]).status === 0;
  if (!hasTests) { process.stdout.write(`\n(no ${s} tests yet)\n`); continue; }
  run('npx', ['mocha', `test/${s}/**/*.test.ts`]);
}
