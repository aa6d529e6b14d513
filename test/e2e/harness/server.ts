// Runs code-server for the e2e suite: private user-data/extensions/XDG folders, the .vsix
// installed, loopback only, no auth; stop() ends it and everything it started.
import { spawn, type ChildProcess } from 'node:child_process';
import * as fs from 'node:fs';
import * as http from 'node:http';
import * as path from 'node:path';
import { run } from './proc';
import type { E2eTools } from './tools';

export interface CodeServer {
  url: string;
  pid: number;
  logFile: string;
  stop(): Promise<void>;
}

/** Settings that keep the workbench quiet and light on 2 shared cores. */
const USER_SETTINGS = {
  'workbench.startupEditor': 'none',
  'workbench.tips.enabled': false,
  'workbench.welcomePage.walkthroughs.openOnInstall': false,
  'workbench.secondarySideBar.defaultVisibility': 'hidden',
  'chat.disableAIFeatures': true,
  'security.workspace.trust.enabled': false,
  'telemetry.telemetryLevel': 'off',
  'extensions.autoCheckUpdates': false,
  'extensions.autoUpdate': false,
  'extensions.ignoreRecommendations': true,
  'update.mode': 'none',
  'git.enabled': false,
  'git.autoRepositoryDetection': false,
  'search.followSymlinks': false,
  'files.watcherExclude': { '**/node_modules/**': true, '**/build/**': true, '**/target/**': true, '**/.test-tmp/**': true, '**/.git/**': true },
  'debug.openDebug': 'openOnSessionStart',
  'debug.showInStatusBar': 'always',
  'window.restoreWindows': 'none',
};

function env(base: string): NodeJS.ProcessEnv {
  return { ...process.env, XDG_CONFIG_HOME: path.join(base, 'xdg-config'), XDG_DATA_HOME: path.join(base, 'xdg-data'), XDG_CACHE_HOME: path.join(base, 'xdg-cache') };
}

function get(url: string): Promise<number> {
  return new Promise(resolve => {
    const req = http.get(url, res => { res.resume(); resolve(res.statusCode ?? 0); });
    req.on('error', () => resolve(0));
    req.setTimeout(2000, () => { req.destroy(); resolve(0); });
  });
}

/** code-server logs the address it bound (we ask for port 0 so parallel runs never clash). */
function waitListening(child: ChildProcess, logFile: string, ms: number): Promise<string> {
  return new Promise((resolve, reject) => {
    let text = '';
    const timer = setTimeout(() => done(new Error(`code-server did not report a listening address within ${ms / 1000} s; see ${logFile}`)), ms);
    const onData = (b: Buffer) => {
      text += b.toString();
      const m = /HTTP server listening on (http:\/\/127\.0\.0\.1:\d+)/.exec(text);
      if (m) done(undefined, m[1]);
    };
    const onExit = (code: number | null) => done(new Error(`code-server exited (${code}) before listening; see ${logFile}`));
    const done = (err?: Error, url?: string) => {
      clearTimeout(timer);
      child.stdout?.off('data', onData);
      child.off('exit', onExit);
      if (err) reject(err); else resolve(url as string);
    };
    child.stdout?.on('data', onData);
    child.on('exit', onExit);
  });
}

export async function startCodeServer(tools: E2eTools, base: string, vsix: string, workspace: string): Promise<CodeServer> {
  const userData = path.join(base, 'user-data');
  const extDir = path.join(base, 'extensions');
  fs.mkdirSync(path.join(userData, 'User'), { recursive: true });
  fs.mkdirSync(extDir, { recursive: true });
  fs.writeFileSync(path.join(userData, 'User', 'settings.json'), JSON.stringify(USER_SETTINGS, null, 2));
  const common = ['--user-data-dir', userData, '--extensions-dir', extDir];
  await run(tools.node24Bin, [tools.codeServerBin, ...common, '--install-extension', vsix], { env: env(base), timeoutMs: 180_000 });

  const logFile = path.join(base, 'code-server.log');
  const log = fs.openSync(logFile, 'a');
  const child = spawn(tools.node24Bin, [tools.codeServerBin, ...common,
    '--auth', 'none', '--bind-addr', '127.0.0.1:0', '--disable-telemetry', '--disable-update-check',
    '--disable-workspace-trust', '--disable-getting-started-override', workspace,
  ], { env: env(base), stdio: ['ignore', 'pipe', log], detached: true });
  child.stdout?.on('data', (b: Buffer) => fs.writeSync(log, b));
  child.once('exit', () => fs.closeSync(log));
  const pid = child.pid;
  if (pid === undefined) throw new Error('could not start code-server');
  const stop = async () => {
    if (child.exitCode !== null || child.signalCode !== null) return;
    const exited = new Promise<void>(r => child.once('exit', () => r()));
    // detached: code-server leads its own process group, which holds its extension hosts.
    try { process.kill(-pid, 'SIGTERM'); } catch { /* gone */ }
    const t = setTimeout(() => { try { process.kill(-pid, 'SIGKILL'); } catch { /* gone */ } }, 10_000);
    await exited;
    clearTimeout(t);
  };
  try {
    const url = await waitListening(child, logFile, 60_000);
    const t0 = Date.now();
    while (await get(`${url}/healthz`) !== 200) {
      if (Date.now() - t0 > 60_000) throw new Error(`code-server at ${url} did not answer /healthz within 60 s; see ${logFile}`);
      await new Promise(r => setTimeout(r, 250));
    }
    return { url, pid, logFile, stop };
  } catch (e) {
    await stop();
    throw e;
  }
}
