// Drives VS Code's workbench in Chromium the way a person does: click, type, look, press Tab.
// Selectors are the ones that work in VS Code 1.100 (see ../shared/docs/E2E-VSCODE.md).

import { Browser, chromium, FrameLocator, Page } from 'playwright-core';

export const CHROMIUM = process.env.LSPCOPILOT_CHROMIUM || '/usr/bin/chromium';

const GHOST_FIRST_LINE =
  '.editor-group-container.active .monaco-editor .view-lines .ghost-text-decoration, ' +
  '.editor-group-container.active .monaco-editor .view-lines .ghost-text-decoration-preview';
const GHOST_MORE_LINES = '.editor-group-container.active .monaco-editor .suggest-preview-text .ghost-text .view-line';

export async function launchBrowser(): Promise<Browser> {
  return chromium.launch({
    executablePath: CHROMIUM,
    args: [
      '--headless',
      '--no-sandbox',
      '--disable-gpu',
      '--disable-quic',
      '--no-first-run',
      '--disable-background-networking',
      '--disable-component-update',
      '--disable-sync',
    ],
  });
}

export async function openWorkbench(browser: Browser, url: string): Promise<Page> {
  const page = await browser.newPage({ viewport: { width: 1280, height: 800 } });
  await page.goto(url);
  await page.locator('.monaco-workbench').waitFor({ timeout: 60_000 });
  return page;
}

export async function openFile(page: Page, name: string): Promise<void> {
  const row = page.locator(`.explorer-folders-view .monaco-list-row[aria-label="${name}"]`);
  await row.waitFor({ timeout: 30_000 });
  const editor = page.locator(`.editor-group-container.active .monaco-editor[data-uri$="${name}"]`);
  await retry(`open ${name}`, async () => {
    await row.dblclick();
    await editor.waitFor({ timeout: 3_000 });
  });
  await editor.locator('.view-lines').click();
}

/** Waits until the LspCopilot status bar item's text matches, and returns that text. */
export async function waitForStatus(page: Page, pattern: RegExp, timeoutMs = 60_000): Promise<string> {
  const deadline = Date.now() + timeoutMs;
  let last = '';
  while (Date.now() < deadline) {
    last = await statusText(page);
    if (pattern.test(last)) {
      return last;
    }
    await page.waitForTimeout(100);
  }
  throw new Error(`The status bar never matched ${pattern}; it said "${last}".`);
}

export async function statusText(page: Page): Promise<string> {
  const items = page.locator('.statusbar-item', { hasText: 'LspCopilot' });
  return (await items.count()) > 0 ? ((await items.first().textContent()) ?? '').trim() : '';
}

/**
 * Runs a command from the command palette by its title. With `thenInput` (a placeholder), the
 * command asks for text in the same quick input widget: wait for that box instead of the palette
 * closing.
 */
export async function runCommand(page: Page, title: string, thenInput?: string): Promise<void> {
  const input = page.locator('.quick-input-widget input');
  await retry('open the command palette', async () => {
    await page.keyboard.press('F1');
    await input.waitFor({ state: 'visible', timeout: 2_000 });
  });
  await input.fill(`>${title}`);
  await page.locator('.quick-input-widget .monaco-list-row', { hasText: title }).first().waitFor({ timeout: 10_000 });
  await page.keyboard.press('Enter');
  if (thenInput !== undefined) {
    await page.locator(`.quick-input-widget input[placeholder="${thenInput}"]`).waitFor({ state: 'visible', timeout: 10_000 });
    return;
  }
  await input.waitFor({ state: 'hidden' });
}

/** Clicks the LspCopilot status bar item and picks an entry of its menu. */
export async function pickFromStatusMenu(page: Page, entry: string): Promise<void> {
  const input = page.locator('.quick-input-widget input');
  await retry('open the LspCopilot menu', async () => {
    await page.locator('.statusbar-item', { hasText: 'LspCopilot' }).first().click();
    await input.waitFor({ state: 'visible', timeout: 2_000 });
  });
  await page.locator('.quick-input-widget .monaco-list-row', { hasText: entry }).first().click();
  await input.waitFor({ state: 'hidden' });
}

/** Puts the cursor at the end of a 1-based line. */
export async function goToLineEnd(page: Page, line: number): Promise<void> {
  const input = page.locator('.quick-input-widget input');
  await retry('go to line', async () => {
    await page.keyboard.press('Control+G');
    await input.waitFor({ state: 'visible', timeout: 2_000 });
  });
  // Control+G opens quick open with ':' typed; fill replaces it, so put it back.
  await input.fill(`:${line}`);
  await page.keyboard.press('Enter');
  await input.waitFor({ state: 'hidden' });
  await page.keyboard.press('End');
}

/** Selects whole 1-based lines `first` to `last` in the active editor. */
export async function selectLines(page: Page, first: number, last: number): Promise<void> {
  await goToLineEnd(page, first);
  await page.keyboard.press('Home');
  await page.keyboard.press('Home'); // The first Home stops at the indentation.
  for (let line = first; line < last; line++) {
    await page.keyboard.press('Shift+ArrowDown');
  }
  await page.keyboard.press('Shift+End');
}

/** The page inside the (one) webview panel: VS Code nests it in two iframes. */
export function webviewFrame(page: Page): FrameLocator {
  return page.locator('iframe.webview').first().contentFrame().locator('iframe#active-frame').contentFrame();
}

/** The ghost text shown at the cursor: its first line and any further lines. */
export async function ghostText(page: Page): Promise<string> {
  const first = (await page.locator(GHOST_FIRST_LINE).allTextContents()).join('');
  const more = await page.locator(GHOST_MORE_LINES).allTextContents();
  return [first, ...more].join('\n').replace(/\u00a0/g, ' ');
}

/**
 * Waits for ghost text equal to `expected`. If none shows in a while it asks for it with the
 * trigger key, as a person would. Returns the last ghost text seen.
 */
export async function waitForGhostText(page: Page, expected: string, timeoutMs = 30_000): Promise<string> {
  const deadline = Date.now() + timeoutMs;
  let nextTrigger = Date.now() + 5_000;
  let seen = '';
  while (Date.now() < deadline) {
    seen = await ghostText(page);
    if (seen !== '' && normalize(seen) === normalize(expected)) {
      return seen;
    }
    if (Date.now() > nextTrigger) {
      await page.keyboard.press('Alt+Backslash');
      nextTrigger = Date.now() + 5_000;
    }
    await page.waitForTimeout(50);
  }
  return seen;
}

/** Accepts the ghost text with Tab and waits until it is gone from the editor. */
export async function acceptGhostText(page: Page): Promise<void> {
  await page.keyboard.press('Tab');
  await page.locator(GHOST_FIRST_LINE).first().waitFor({ state: 'detached', timeout: 10_000 });
}

export async function save(page: Page): Promise<void> {
  await page.keyboard.press('Control+S');
}

/** Trailing spaces are not drawn as ghost text, so they are not compared. */
function normalize(text: string): string {
  return text
    .split('\n')
    .map((line) => line.trimEnd())
    .join('\n')
    .trimEnd();
}

async function retry(what: string, action: () => Promise<void>, attempts = 5): Promise<void> {
  let lastError: unknown;
  for (let i = 0; i < attempts; i++) {
    try {
      await action();
      return;
    } catch (error) {
      lastError = error;
    }
  }
  throw new Error(`Could not ${what} after ${attempts} tries: ${(lastError as Error)?.message}`);
}
