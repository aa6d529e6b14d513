// Drives the VS Code workbench in the page through its UI: command palette, quick picks,
// editor navigation, Run and Debug, Call Stack. Selectors are VS Code internals of the pinned
// code-server version (tools.ts).
import type { Locator, Page } from 'playwright-core';

export const UI_WAIT_MS = 60_000;

function quickInput(page: Page): Locator {
  return page.locator('.quick-input-widget');
}

/** Rows of the open quick pick, as their visible text. */
export async function quickPickLabels(page: Page): Promise<string[]> {
  const rows = quickInput(page).locator('.monaco-list-row');
  await rows.first().waitFor({ timeout: UI_WAIT_MS });
  return rows.allInnerTexts();
}

/** Waits for a quick pick row showing `text`, then accepts it. */
export async function pickItem(page: Page, text: string): Promise<void> {
  await quickInput(page).locator('.monaco-list-row', { hasText: text }).first().click({ timeout: UI_WAIT_MS });
}

async function openQuickInput(page: Page, key: string, value: string): Promise<void> {
  const input = quickInput(page).locator('input');
  await page.keyboard.press(key);
  await input.waitFor({ state: 'visible', timeout: UI_WAIT_MS });
  await input.fill(value);
}

/** Runs a command by its title through the command palette (F1). */
export async function runCommand(page: Page, title: string): Promise<void> {
  await openQuickInput(page, 'F1', `>${title}`);
  await pickItem(page, title);
}

export async function closeQuickInput(page: Page): Promise<void> {
  if (await quickInput(page).isVisible()) await page.keyboard.press('Escape');
  await quickInput(page).waitFor({ state: 'hidden', timeout: UI_WAIT_MS });
}

/** Opens a workspace file at a line with Go to File (`path:line`). */
export async function openFileAtLine(page: Page, relPath: string, line: number): Promise<void> {
  const slash = relPath.lastIndexOf('/');
  await openQuickInput(page, 'Control+P', `${relPath}:${line}`);
  // Rows read "main.rs kernel/src": match both parts so another main.rs is never taken.
  await quickInput(page).locator('.monaco-list-row').filter({ hasText: relPath.slice(slash + 1) })
    .filter({ hasText: relPath.slice(0, slash) }).first().click({ timeout: UI_WAIT_MS });
  await waitCursorLine(page, line);
}

const CONFIG_ROWS = '.action-widget .monaco-list-row';

/** Opens the configuration dropdown; a click while the view still renders is lost, so retry. */
async function openConfigDropdown(page: Page): Promise<void> {
  const t0 = Date.now();
  for (;;) {
    await page.locator('.start-debug-action-item-dropdown-label').click({ timeout: UI_WAIT_MS });
    try {
      await page.locator(CONFIG_ROWS).first().waitFor({ timeout: 5000 });
      return;
    } catch (e) {
      if (Date.now() - t0 > UI_WAIT_MS) throw e;
    }
  }
}

/** Selects a launch configuration in the Run and Debug view's dropdown (what F5 starts). */
export async function selectLaunchConfig(page: Page, label: string): Promise<void> {
  // The list re-renders while debug providers answer, so a mouse click on a row can miss:
  // filter with the dropdown's search box and accept with Enter instead.
  await openConfigDropdown(page);
  await page.keyboard.type(label);
  await pollUntil(`"${label}" as the first configuration`, () => page.locator(CONFIG_ROWS).first().getAttribute('aria-label'), t => t === label);
  await page.keyboard.press('Enter');
  await pollUntil(`"${label}" to be the selected configuration`,
    () => page.locator('.start-debug-action-item-label').innerText(), t => t.trim() === label);
}

/** Entries of the Run and Debug view's configuration dropdown once `ready` holds; closes it again. */
export async function launchConfigEntries(page: Page, ready: (entries: string[]) => boolean): Promise<string[]> {
  const rows = page.locator(CONFIG_ROWS);
  // Rows appear as the providers answer; their aria-label is the entry's text. The dropdown
  // closes when the freshly shown view takes focus: open it again then.
  const entries = await pollUntil('the configuration dropdown entries', async () => {
    if (await rows.count() === 0) await openConfigDropdown(page);
    const labels = await rows.evaluateAll(els => els.map(e => e.getAttribute('aria-label') ?? ''));
    return labels.filter(l => l !== '');
  }, ready);
  await page.keyboard.press('Escape');
  await rows.first().waitFor({ state: 'hidden', timeout: UI_WAIT_MS });
  return entries;
}

/** The cursor's line in the active editor, from the status bar ("Ln 35, Col 5"). */
export async function cursorLine(page: Page): Promise<number | undefined> {
  const item = page.locator('#status\\.editor\\.selection');
  if (!(await item.isVisible())) return undefined;
  const m = /Ln (\d+)/.exec(await item.innerText());
  return m ? Number(m[1]) : undefined;
}

export async function waitCursorLine(page: Page, line: number, ms = UI_WAIT_MS): Promise<void> {
  const t0 = Date.now();
  while ((await cursorLine(page)) !== line) {
    if (Date.now() - t0 > ms) throw new Error(`the cursor did not reach line ${line} within ${ms / 1000} s (at ${await cursorLine(page)})`);
    await page.waitForTimeout(200);
  }
}

/** Title of the active editor tab ("main.rs"). */
export async function activeTabTitle(page: Page): Promise<string> {
  return (await page.locator('.tabs-container .tab.active').first().getAttribute('aria-label')) ?? '';
}

/**
 * Line numbers of the visible editor's lines that carry an element matching `selector` (a
 * decoration or a glyph), matched by screen position against the line numbers in the margin.
 */
export async function decoratedLines(page: Page, selector: string): Promise<number[]> {
  // Runs in the page; a string because this project's TypeScript has no DOM types.
  return page.evaluate<number[]>(`(() => {
    const lines = [];
    for (const mark of document.querySelectorAll('.editor-instance ' + ${JSON.stringify(selector)})) {
      const box = mark.getBoundingClientRect();
      const y = box.top + box.height / 2;
      for (const n of mark.closest('.monaco-editor').querySelectorAll('.line-numbers')) {
        const r = n.getBoundingClientRect();
        if (y >= r.top && y < r.bottom) lines.push(Number(n.textContent));
      }
    }
    return lines;
  })()`);
}

/** The line the debugger highlights as the current one in the visible editor, if any. */
export async function highlightedLine(page: Page): Promise<number | undefined> {
  const lines = await decoratedLines(page, '.debug-top-stack-frame-line');
  return lines.length === 1 ? lines[0] : undefined;
}

/** Lines of the visible editor with a breakpoint glyph in the margin. */
export function breakpointLines(page: Page): Promise<number[]> {
  return decoratedLines(page, '.codicon-debug-breakpoint');
}

/** The Call Stack view's rows as text (threads, then frames of the expanded thread). */
export async function callStackRows(page: Page): Promise<string[]> {
  const rows = page.locator('.debug-call-stack .monaco-list-row');
  return (await rows.allInnerTexts()).map(t => t.replace(/\s+/g, ' ').trim());
}

/** Polls `read` until `ok` holds for its value; fails naming the last value seen. */
export async function pollUntil<T>(what: string, read: () => Promise<T>, ok: (v: T) => boolean, ms = UI_WAIT_MS): Promise<T> {
  const t0 = Date.now();
  let v = await read();
  while (!ok(v)) {
    if (Date.now() - t0 > ms) throw new Error(`timed out after ${ms / 1000} s waiting for ${what}; last seen: ${JSON.stringify(v)}`);
    await new Promise(r => setTimeout(r, 250));
    v = await read();
  }
  return v;
}

/** Fails with the text of a modal dialog when VS Code shows one (e.g. a launch error). */
export async function failOnDialog(page: Page): Promise<void> {
  const dialog = page.locator('.monaco-dialog-box');
  if (await dialog.isVisible()) throw new Error(`VS Code showed a dialog: ${(await dialog.innerText()).replace(/\s+/g, ' ').trim()}`);
}

export async function debugToolbarVisible(page: Page): Promise<boolean> {
  return page.locator('.debug-toolbar').isVisible();
}
