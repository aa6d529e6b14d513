// The extension in a real VS Code: the .vsix of this checkout installed in code-server, the
// workbench driven in headless Chromium, Exo-OS debugged in real QEMU through the UI.
import * as assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import type { Page } from 'playwright-core';
import { loadWorkbench, openWorkbench, type Workbench } from './harness/browser';
import { pidAlive, qemuDescendants } from './harness/proc';
import { startCodeServer, type CodeServer } from './harness/server';
import { ensureE2eTools } from './harness/tools';
import { packageVsix, ROOT } from './harness/vsix';
import {
  activeTabTitle, breakpointLines, callStackRows, closeQuickInput, cursorLine, debugToolbarVisible, failOnDialog, highlightedLine, launchConfigEntries,
  openFileAtLine, pickItem, pollUntil, quickPickLabels, runCommand, selectLaunchConfig, UI_WAIT_MS,
} from './harness/workbench';
import { BREAKPOINT_CONFIG, ENTRY_CONFIG, findMarker, KERNEL_ELF, writeWorkspace, type Marker } from './harness/workspace';

/** Screenshots and the code-server log of failed tests land here (gitignored). */
const ARTIFACTS = path.join(ROOT, '.test-tmp', 'e2e');

const log = (s: string) => process.stdout.write(`      [e2e] ${s}\n`);

/** "CPU 0 PAUSED ON ENTRY" → "CPU 0"; frame rows ("kmain main.rs 35:5") → undefined. */
function threadName(row: string): string | undefined {
  return /^(CPU \d+)(?:\s|$)/.exec(row)?.[1];
}

async function threadRows(page: Page): Promise<string[]> {
  return (await callStackRows(page)).filter(r => threadName(r) !== undefined);
}

describe('VS Code e2e: the extension in code-server + headless Chromium', function () {
  let base = '';
  let server: CodeServer | undefined;
  let wb: Workbench | undefined;
  const page = (): Page => { assert.ok(wb, 'the workbench did not open'); return wb.page; };

  before(async function () {
    // First run installs Chromium, Node 24, code-server and vsce (minutes); later runs reuse the cache.
    this.timeout(30 * 60_000);
    assert.ok(fs.existsSync(KERNEL_ELF), `${KERNEL_ELF} is missing: run npm run build:kernel`);
    const tools = await ensureE2eTools(log);
    base = fs.mkdtempSync(path.join(os.tmpdir(), 'exo-e2e-'));
    let t = Date.now();
    const vsix = await packageVsix(tools, base);
    log(`.vsix built in ${((Date.now() - t) / 1000).toFixed(1)} s`);
    t = Date.now();
    const workspace = writeWorkspace(base);
    server = await startCodeServer(tools, base, vsix, workspace);
    log(`code-server up (extension installed) in ${((Date.now() - t) / 1000).toFixed(1)} s at ${server.url}`);
    t = Date.now();
    wb = await openWorkbench(tools, server.url, { workspace });
    log(`workbench loaded in ${((Date.now() - t) / 1000).toFixed(1)} s`);
  });

  afterEach(async function () {
    this.timeout(60_000);
    if (this.currentTest?.state !== 'failed' || !wb) return;
    fs.mkdirSync(ARTIFACTS, { recursive: true });
    const shot = path.join(ARTIFACTS, `${(this.currentTest.title).replace(/\W+/g, '_').slice(0, 60)}.png`);
    await wb.page.screenshot({ path: shot }).catch(() => undefined);
    log(`failure screenshot: ${shot}`);
    // End a session the failed test left running, so the next scenario starts clean.
    if (server && qemuDescendants(server.pid).length > 0) {
      await wb.page.keyboard.press('Shift+F5');
      const pid = server.pid;
      await pollUntil('the failed scenario\'s QEMU to exit', async () => qemuDescendants(pid), q => q.length === 0, 15_000).catch(() => undefined);
    }
  });

  after(async function () {
    this.timeout(60_000);
    const leftover = server ? qemuDescendants(server.pid) : [];
    await wb?.close();
    if (server) {
      if (fs.existsSync(server.logFile)) {
        fs.mkdirSync(ARTIFACTS, { recursive: true });
        fs.copyFileSync(server.logFile, path.join(ARTIFACTS, 'code-server.log'));
      }
      await server.stop();
    }
    if (base) fs.rmSync(base, { recursive: true, force: true });
    assert.deepEqual(leftover, [], `QEMU processes started by VS Code were still running at the end: ${leftover.join(', ')}`);
  });

  /** Stops the session with Shift+F5; its one QEMU must exit and the debug UI go away. */
  async function stopAndExpectNoQemu(): Promise<void> {
    const qemu = qemuDescendants(server?.pid ?? -1);
    assert.equal(qemu.length, 1, `expected the one QEMU of this session, found ${JSON.stringify(qemu)}`);
    await page().keyboard.press('Shift+F5');
    await pollUntil('the debug session to end', async () => (await debugToolbarVisible(page())) || (await threadRows(page())).length > 0, busy => !busy);
    await pollUntil('the QEMU started by the session to exit', async () => qemu.filter(pidAlive), alive => alive.length === 0, 15_000);
    assert.deepEqual(qemuDescendants(server?.pid ?? -1), [], 'no QEMU started by VS Code may remain');
  }

  it('activates and offers the Exo configuration in Run and Debug', async function () {
    this.timeout(3 * 60_000);
    await runCommand(page(), 'View: Show Run and Debug');
    // Resolves once both are listed, fails (naming what was listed) if they never are.
    const entries = await launchConfigEntries(page(), e => e.includes(`${ENTRY_CONFIG} (workspace)`) && e.includes('Exo Kernel (QEMU)...'));
    log(`Run and Debug offers: ${JSON.stringify(entries)}`);
    // Listing the dynamic configurations activates the extension and asks its provider.
    await runCommand(page(), 'Debug: Select and Start Debugging');
    await pickItem(page(), 'Exo Kernel (QEMU)...');
    const dynamic = await pollUntil('the extension\'s dynamic configurations', () => quickPickLabels(page()),
      labels => labels.some(l => l.startsWith('Debug Exo-OS in QEMU')));
    log(`dynamic configurations: ${JSON.stringify(dynamic)}`);
    await closeQuickInput(page());
  });

  it('F5 stops at entry with CPU 0..3 in the Call Stack; stopping ends its QEMU', async function () {
    this.timeout(4 * 60_000);
    await selectLaunchConfig(page(), `${ENTRY_CONFIG} (workspace)`);
    const t0 = Date.now();
    await page().keyboard.press('F5');
    const threads = await pollUntil('"Paused on entry" in the Call Stack', async () => { await failOnDialog(page()); return threadRows(page()); },
      rows => rows.some(r => /paused on entry/i.test(r)), UI_WAIT_MS);
    log(`F5 → paused on entry in ${((Date.now() - t0) / 1000).toFixed(1)} s: ${JSON.stringify(threads)}`);
    const all = await pollUntil('4 threads', () => threadRows(page()), rows => rows.length >= 4);
    assert.deepEqual(all.map(threadName), ['CPU 0', 'CPU 1', 'CPU 2', 'CPU 3']);
    await stopAndExpectNoQemu();
  });

  /** Opens the marker's file at its line and toggles a breakpoint there with F9. */
  async function setBreakpointAtMarker(name: string): Promise<Marker> {
    const marker = findMarker(name);
    await openFileAtLine(page(), marker.relPath, marker.line);
    await page().keyboard.press('F9');
    await pollUntil('the breakpoint glyph on the marker line', () => breakpointLines(page()), lines => lines.includes(marker.line));
    return marker;
  }

  /** After F5: stopped on the breakpoint in `fn` at the marker, shown as the editor's current line. */
  async function expectStoppedAt(marker: Marker, fn: string, t0: number): Promise<void> {
    await pollUntil('"Paused on breakpoint" in the Call Stack', async () => { await failOnDialog(page()); return threadRows(page()); },
      rows => rows.some(r => /paused on breakpoint/i.test(r)));
    log(`F5 → paused on breakpoint in ${((Date.now() - t0) / 1000).toFixed(1)} s`);
    const file = path.basename(marker.relPath);
    // Frames arrive after the threads (VS Code asks for the stack once it shows the stop).
    const frames = await pollUntil('the stopped thread\'s frames', () => callStackRows(page()), rows => rows.some(r => threadName(r) === undefined));
    const top = frames.find(r => threadName(r) === undefined);
    assert.match(top ?? '', new RegExp(`${fn} ${file.replace('.', '\\.')} ${marker.line}(:\\d+)?$`), `top frame: ${JSON.stringify(frames)}`);
    await pollUntil(`${file} as the active editor`, () => activeTabTitle(page()), t => t === file);
    await pollUntil('the cursor on the marker line', () => cursorLine(page()), l => l === marker.line);
    const highlighted = await pollUntil('the current-line highlight', () => highlightedLine(page()), l => l !== undefined);
    assert.equal(highlighted, marker.line, 'the editor highlights the marker line as the current one');
  }

  it('a breakpoint set in the editor on #BP:kmain is hit after F5 and shown as the current line', async function () {
    this.timeout(4 * 60_000);
    const marker = await setBreakpointAtMarker('kmain');
    await selectLaunchConfig(page(), `${BREAKPOINT_CONFIG} (workspace)`);
    const t0 = Date.now();
    await page().keyboard.press('F5');
    await expectStoppedAt(marker, 'kmain', t0);
    await stopAndExpectNoQemu();
  });

  it('F5 in the repository folder without a launch.json builds and debugs Exo-OS to #BP:kmain', async function () {
    this.timeout(5 * 60_000);
    assert.ok(!fs.existsSync(path.join(ROOT, '.vscode', 'launch.json')), 'this scenario needs a checkout without .vscode/launch.json');
    assert.ok(server, 'code-server is not running');
    await loadWorkbench(page(), server.url, { folder: ROOT });
    // F5 picks the debugger from the active editor's language (rust → exo-kernel) and the
    // extension's provider fills in the default Exo-OS configuration (npm run build:kernel first).
    const marker = await setBreakpointAtMarker('kmain');
    const t0 = Date.now();
    await page().keyboard.press('F5');
    await expectStoppedAt(marker, 'kmain', t0);
    await stopAndExpectNoQemu();
  });
});
