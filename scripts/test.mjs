// `npm test`: installs what npm cannot (scripts/system-deps.mjs: apt-get when root), builds the
// bundles and the kernel, lints, then runs every suite. Fails with one sentence when it cannot proceed.
import { existsSync } from 'node:fs';
import { ensureSystemDeps, run as runAs } from './system-deps.mjs';

const run = (cmd, args, opts) => runAs('npm test', cmd, args, opts);

ensureSystemDeps('test');

run('npm', ['run', '--silent', 'build']);
if (existsSync('kernel/Cargo.toml')) run('npm', ['run', '--silent', 'build:kernel']);
run('npx', ['eslint', '.']);
run('npx', ['tsc', '-p', '.', '--noEmit']);
const only = process.argv.slice(2);
// e2e drives the extension in a real VS Code (code-server + headless Chromium); it installs
// its own tools into a cache on first use (test/e2e/harness/tools.ts).
const suites = only.length ? only : ['unit', 'integration', 'e2e'];
for (const s of suites) run('npx', ['mocha', `test/${s}/**/*.test.ts`]);
