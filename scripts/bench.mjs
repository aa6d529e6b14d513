// `npm run bench -- NAME…`: runs bench/NAME.ts (each prints its measurements and ratios).
import { spawnSync } from 'node:child_process';
import { readdirSync } from 'node:fs';

const all = readdirSync('bench').filter(f => f.endsWith('.ts')).map(f => f.slice(0, -3)).sort();
const names = process.argv.slice(2);
if (names.length === 0) {
  process.stdout.write(`usage: npm run bench -- ${all.join('|')}\n`);
  process.exit(2);
}
for (const n of names) {
  if (!all.includes(n)) { process.stderr.write(`bench: unknown benchmark '${n}' (have: ${all.join(', ')})\n`); process.exit(2); }
  const r = spawnSync('npx', ['tsx', `bench/${n}.ts`], { stdio: 'inherit' });
  if (r.status !== 0) process.exit(r.status || 1);
}
