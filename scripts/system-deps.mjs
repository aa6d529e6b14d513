// What npm cannot install: Debian packages (apt-get when root, else one sentence saying what to
// install) and cargo. Shared by `npm test` and `npm run demo`; runnable alone:
// `node scripts/system-deps.mjs demo|test`.
import { spawnSync } from 'node:child_process';
import { pathToFileURL } from 'node:url';

const NEEDS = {
  demo: [['qemu-system-x86_64', 'qemu-system-x86'], ['gcc', 'gcc']],
  test: [
    ['qemu-system-x86_64', 'qemu-system-x86'], ['gdb', 'gdb'], ['gcc', 'gcc'],
    ['objdump', 'binutils'],
    ['cpio', 'cpio'],   // the initrd test reads our packer's output back with GNU cpio
  ],
};

export function onPath(cmd) {
  return spawnSync('sh', ['-c', 'command -v "$1"', 'sh', cmd], { stdio: 'ignore' }).status === 0;
}

/** Runs a command with inherited stdio; exits the process with one sentence if it fails. */
export function run(who, cmd, args, opts = {}) {
  process.stdout.write(`\n> ${cmd} ${args.join(' ')}\n`);
  const r = spawnSync(cmd, args, { stdio: 'inherit', ...opts });
  if (r.status !== 0) {
    process.stderr.write(`${who}: '${cmd} ${args.join(' ')}' failed (exit ${r.status ?? r.signal}).\n`);
    process.exit(r.status || 1);
  }
}

export function ensureSystemDeps(purpose) {
  const who = `npm ${purpose === 'test' ? 'test' : 'run ' + purpose}`;
  const missing = NEEDS[purpose].filter(([cmd]) => !onPath(cmd));
  if (missing.length) {
    const pkgs = missing.map(([, p]) => p);
    if (process.getuid?.() !== 0) {
      process.stderr.write(`${who}: ${missing.map(([c]) => c).join(', ')} missing: install with 'sudo apt-get install -y ${pkgs.join(' ')}' and run it again.\n`);
      process.exit(1);
    }
    const env = { ...process.env, DEBIAN_FRONTEND: 'noninteractive' };
    run(who, 'apt-get', ['update', '-q'], { env });
    run(who, 'apt-get', ['install', '-y', '-q', ...pkgs], { env });
  }
  if (!onPath('cargo')) {
    process.stderr.write(`${who}: cargo is missing: install a stable Rust toolchain (rustup) to build the Exo-OS kernel.\n`);
    process.exit(1);
  }
}

if (import.meta.url === pathToFileURL(process.argv[1] ?? '').href) {
  const purpose = process.argv[2] ?? 'test';
  if (!(purpose in NEEDS)) { process.stderr.write(`usage: node scripts/system-deps.mjs ${Object.keys(NEEDS).join('|')}\n`); process.exit(2); }
  ensureSystemDeps(purpose);
}
