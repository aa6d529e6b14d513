// Headless Debian Chromium driven by playwright-core (never a downloaded browser), one page on
// the code-server workbench.
import { chromium, type Browser, type Page } from 'playwright-core';
import type { E2eTools } from './tools';

/** The flags measured on these machines: no sandbox as root, no background network calls. */
const CHROMIUM_ARGS = ['--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run', '--disable-background-networking',
  '--disable-component-update', '--disable-sync', '--disable-dev-shm-usage'];

export const WORKBENCH_WAIT_MS = 60_000;

export interface Workbench { browser: Browser; page: Page; close(): Promise<void> }

/** What the page opens: a .code-workspace file or a folder. */
export type WorkbenchTarget = { workspace: string } | { folder: string };

/** (Re)loads the workbench in the page on `target` and waits until it has restored. */
export async function loadWorkbench(page: Page, url: string, target: WorkbenchTarget): Promise<void> {
  const query = 'workspace' in target ? `workspace=${encodeURIComponent(target.workspace)}` : `folder=${encodeURIComponent(target.folder)}`;
  await page.goto(`${url}/?${query}`, { timeout: WORKBENCH_WAIT_MS });
  // The status bar and the activity bar are rendered once the workbench has restored.
  await page.locator('.monaco-workbench .part.statusbar').waitFor({ timeout: WORKBENCH_WAIT_MS });
  await page.locator('.monaco-workbench .part.activitybar, .monaco-workbench .part.sidebar').first().waitFor({ timeout: WORKBENCH_WAIT_MS });
}

export async function openWorkbench(tools: E2eTools, url: string, target: WorkbenchTarget): Promise<Workbench> {
  const browser = await chromium.launch({ executablePath: tools.chromium, headless: true, args: CHROMIUM_ARGS, timeout: 60_000 });
  try {
    const context = await browser.newContext({ viewport: { width: 1600, height: 1000 } });
    const page = await context.newPage();
    await loadWorkbench(page, url, target);
    return { browser, page, close: () => browser.close() };
  } catch (e) {
    await browser.close();
    throw e;
  }
}
