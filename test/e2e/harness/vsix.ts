// Packages the extension of the current checkout as a .vsix: builds the bundles, then runs
// vsce (which needs Node >= 22) with Node 24.
import * as fs from 'node:fs';
import * as path from 'node:path';
import { run } from './proc';
import type { E2eTools } from './tools';

export const ROOT = path.resolve(__dirname, '../../..');

export async function packageVsix(tools: E2eTools, outDir: string): Promise<string> {
  await run(process.execPath, [path.join(ROOT, 'scripts', 'build.mjs')], { cwd: ROOT, timeoutMs: 300_000 });
  const vsix = path.join(outDir, 'exo-kernel-debug.vsix');
  // --no-dependencies: the bundles in dist/ are self-contained, node_modules stays out.
  // The two skips answer vsce's interactive questions (no LICENSE file, no repository field).
  await run(tools.node24Bin, [tools.vsceJs, 'package', '--no-dependencies', '--skip-license', '--allow-missing-repository', '--out', vsix], {
    cwd: ROOT, timeoutMs: 300_000,
  });
  if (!fs.existsSync(vsix)) throw new Error(`vsce reported success but wrote no ${vsix}`);
  return vsix;
}
