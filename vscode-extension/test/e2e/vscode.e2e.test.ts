// End to end in a real VS Code (code-server 4.100.3) in headless Chromium, with the real server
// and the tiny FIM model: open a .cs file, type, see our server's ghost text, accept it with Tab,
// save, and read the file. Once per connection mode: local, tcp (through a test listener until
// the server has its own) and ssh (through a real sshd on 127.0.0.1).
//
// The model writes children's stories: the tests check that the ghost text is exactly what the
// server returns for that document and position, never what it says.

import assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { after, before, describe, it } from 'node:test';
import { pathToFileURL } from 'node:url';
import type { Browser, Page } from 'playwright-core';
import { CodeServer, codeServerBinary, startCodeServer } from '../support/codeServer';
import { TestLspClient } from '../support/lspClient';
import { extensionDir, findFimModel, onPath, realServerUnavailable, serverDll, testOutputDir } from '../support/paths';
import { SAMPLE_PROGRAM, TYPING_LINE } from '../support/sampleProgram';
import { Sshd, sshdUnavailable, startSshd } from '../support/sshd';
import { startTcpProxy, TcpProxy } from '../support/tcpProxy';
import { spawnServer, terminate } from '../../src/transport';
import {
  acceptGhostText,
  CHROMIUM,
  ghostText,
  goToLineEnd,
  launchBrowser,
  openFile,
  openWorkbench,
  pickFromStatusMenu,
  statusText,
  runCommand,
  save,
  selectLines,
  webviewFrame,
  waitForGhostText,
  waitForStatus,
} from '../support/workbench';

/** Packaged by scripts/e2e.mjs with the server build inside, as users get it. */
const vsix = path.join(extensionDir, 'out', 'lspcopilot-e2e.vsix');

function whyNot(): string | undefined {
  const server = realServerUnavailable();
  if (server) {
    return server;
  }
  if (!fs.existsSync(codeServerBinary())) {
    return `code-server is not installed at ${codeServerBinary()} (scripts/setup-e2e.sh installs it)`;
  }
  if (!fs.existsSync(CHROMIUM)) {
    return `no Chromium at ${CHROMIUM} (apt-get install -y chromium)`;
  }
  if (!fs.existsSync(vsix)) {
    return `no packaged extension at ${vsix} (npm run test:e2e packages it)`;
  }
  return undefined;
}

const skip = whyNot();
const modelPath = 'path' in findFimModel() ? (findFimModel() as { path: string }).path : '';
const typed = '        // Once upon a time';
const outputDir = path.join(testOutputDir, 'e2e');
/** The placeholder of the instruction box of LspCopilot: Refactor with Instructions…. */
const REFACTOR_PLACEHOLDER = 'e.g. use early returns; rename x to count';

/** Every scenario edits its own copy of the sample, so each starts from the same text. */
interface Scenario {
  readonly file: string;
  /** The file's text, the line typed on and what is typed there (default: the C# sample). */
  readonly sample?: { readonly text: string; readonly line: number; readonly typed: string };
  /** The status bar text that says this scenario's server is ready. */
  readonly ready: RegExp;
  /** Types `typed` at the cursor (default: all of it at once). */
  readonly type?: (page: Page) => Promise<void>;
}

describe('VS Code end to end', { skip }, () => {
  let root: string;
  let workspace: string;
  let codeServer: CodeServer | undefined;
  let browser: Browser | undefined;
  let page: Page;
  let proxy: TcpProxy | undefined;
  let sshd: Sshd | undefined;
  let references: Map<string, string>;
  const files = ['Program.cs', 'Tcp.cs', 'Ssh.cs'];
  // Every language: a Python file gets ghost text from the same server (text rules, no Roslyn).
  const python = { file: 'story.py', text: 'def tell():\n    story = "Lily"\n\n    return story\n', line: 2, typed: '    # Once upon a time' };
  // No server path: local mode runs the server bundled in the .vsix.
  const localSettings = {
    'lspcopilot.model.path': modelPath,
    'lspcopilot.server.logLevel': 'info',
  };

  before(async () => {
    const setupStarted = Date.now();
    fs.rmSync(outputDir, { recursive: true, force: true });
    fs.mkdirSync(outputDir, { recursive: true });
    root = fs.mkdtempSync(path.join(os.tmpdir(), 'lspcopilot-e2e-'));
    workspace = path.join(root, 'workspace');
    fs.mkdirSync(workspace);
    for (const file of files) {
      fs.writeFileSync(path.join(workspace, file), SAMPLE_PROGRAM);
    }
    fs.writeFileSync(path.join(workspace, python.file), python.text);
    const askedPython = serverSuggestions([pathToFileURL(path.join(workspace, python.file)).href], withLine(python.text, python.line, python.typed), python.line, python.typed.length, 'python');
    // What the server suggests after the typing, asked directly while VS Code starts.
    const asked = serverSuggestions(
      files.map((file) => pathToFileURL(path.join(workspace, file)).href),
      withLine(SAMPLE_PROGRAM, TYPING_LINE, typed),
      TYPING_LINE,
      typed.length,
    );
    codeServer = await startCodeServer({ root, workspace, vsix, settings: localSettings });
    browser = await launchBrowser();
    page = await openWorkbench(browser, codeServer.url);
    references = new Map((await asked).map((text, i) => [files[i], text]));
    references.set(python.file, (await askedPython)[0]);
    console.log(`code-server and the workbench are up after ${((Date.now() - setupStarted) / 1000).toFixed(1)} s`);
  });

  after(async () => {
    await browser?.close();
    await codeServer?.stop();
    await proxy?.close();
    await sshd?.stop();
    if (root !== undefined) {
      collectLogs(root, sshd?.logFile);
      fs.rmSync(root, { recursive: true, force: true });
    }
  });

  /** The extension's log (its output channel's file), once it matches. */
  async function waitForExtensionLog(pattern: RegExp, timeoutMs = 10_000): Promise<string> {
    const deadline = Date.now() + timeoutMs;
    let text = '';
    while (Date.now() < deadline) {
      text = findFiles(path.join(root, 'user-data', 'logs'))
        .filter((file) => file.endsWith('LspCopilot.log'))
        .map((file) => fs.readFileSync(file, 'utf8'))
        .join('\n');
      if (pattern.test(text)) {
        return text;
      }
      await new Promise((resolve) => setTimeout(resolve, 100));
    }
    throw new Error(`The extension's log never matched ${pattern}:\n${text}`);
  }

  /** Opens the file, types, checks the ghost text against the server, accepts it, saves, reads the file. */
  async function typeAcceptAndSave(scenario: Scenario, name: string, note: (message: string) => void): Promise<void> {
    const started = Date.now();
    const since = () => `${((Date.now() - started) / 1000).toFixed(1)} s`;
    const file = path.join(workspace, scenario.file);
    const sample = scenario.sample ?? { text: SAMPLE_PROGRAM, line: TYPING_LINE, typed };
    const reference = references.get(scenario.file) ?? '';
    assert.notEqual(reference, '', 'the server itself suggests nothing at this position; pick another');

    await openFile(page, scenario.file);
    note(`${since()}: ${scenario.file} open`);
    const ready = await waitForStatus(page, scenario.ready);
    note(`${since()}: status "${ready}"`);
    await goToLineEnd(page, sample.line + 1);
    await (scenario.type ?? ((p: Page) => p.keyboard.type(sample.typed, { delay: 20 })))(page);
    const typedAt = Date.now();

    const shown = await waitForGhostText(page, reference);
    note(`${since()}: ghost text after the last keystroke: ${Date.now() - typedAt} ms: ${JSON.stringify(shown)}; status "${await statusText(page)}"`);
    await page.screenshot({ path: path.join(outputDir, `${name}-ghost-text.png`) });
    assert.equal(shown.replace(/\s+$/, ''), reference.replace(/\s+$/, ''), `ghost text differs from the server's suggestion (status: ${ready})`);

    await acceptGhostText(page);
    await save(page);
    const expected = withLine(sample.text, sample.line, sample.typed + reference);
    const saved = await waitForFile(file, expected);
    assert.equal(saved, expected, 'the saved file does not hold the accepted suggestion');
    assert.equal(await ghostText(page), '', 'ghost text is still shown after Tab');
    await page.screenshot({ path: path.join(outputDir, `${name}-accepted.png`) });
    note(`${since()}: accepted and saved`);
  }

  it('local mode: ghost text from our server, Tab accepts it, the saved file contains it', async (t) => {
    await typeAcceptAndSave({ file: 'Program.cs', ready: /LspCopilot: ready · stories260K-fim/ }, 'local', (m) => t.diagnostic(m));
    // The middleware measured the completion and the status bar shows it.
    await waitForStatus(page, /LspCopilot: ready · stories260K-fim · \d+ ms/, 10_000);
    // Tab ran the item's command: the extension forwarded it and the server recorded the accept in its local store.
    const events = path.join(root, 'xdg', 'state', 'lspcopilot', 'events.jsonl');
    const kinds = async (): Promise<string[]> =>
      fs.existsSync(events) ? fs.readFileSync(events, 'utf8').split('\n').filter((line) => line !== '').map((line) => JSON.parse(line).kind as string) : [];
    for (let i = 0; i < 100 && !(await kinds()).includes('accepted'); i++) {
      await new Promise((resolve) => setTimeout(resolve, 100));
    }
    const recorded = await kinds();
    assert.ok(recorded.includes('served') && recorded.includes('accepted'), `the statistics should hold the served and accepted suggestion: ${JSON.stringify(recorded)}`);
    // With no server path set, the server came from the .vsix.
    await waitForExtensionLog(/Starting the server: \S*dotnet \S*\/extensions\/lspcopilot\.lspcopilot-[^/]+\/server\/lspcopilot\.dll --stdio/);
  });

  it('every language: a Python file gets ghost text from the same server, Tab accepts it', async (t) => {
    await typeAcceptAndSave({ file: python.file, ready: /LspCopilot: ready · stories260K-fim/, sample: python }, 'python', (m) => t.diagnostic(m));
  });

  it('tcp mode: the same over a slow TCP link, where a keystroke cancels the request still in flight', async (t) => {
    // Answers arrive 1.5 s late, so a request is still open when the next key is pressed.
    proxy = await startTcpProxy('dotnet', [serverDll, '--stdio', '--model', modelPath, '--log-level', 'info'], { responseDelayMs: 1_500 });
    const tcp = proxy;
    codeServer!.writeWorkspaceSettings({
      'lspcopilot.connection.mode': 'tcp',
      'lspcopilot.tcp.host': '127.0.0.1',
      'lspcopilot.tcp.port': tcp.port,
    });
    let cancelled: number | string | undefined;
    const type = async (p: Page) => {
      await p.keyboard.type(typed.slice(0, -1), { delay: 20 });
      cancelled = await tcp.waitForPendingRequest('textDocument/inlineCompletion', 20_000);
      await p.keyboard.type(typed.slice(-1));
      await tcp.waitForClientMessage((m) => m.method === '$/cancelRequest' && m.params?.id === cancelled, 10_000);
    };
    await typeAcceptAndSave({ file: 'Tcp.cs', ready: /LspCopilot: ready · tcp/, type }, 'tcp', (m) => t.diagnostic(m));
    assert.equal(tcp.accepted(), 1, 'the extension should have connected to the TCP listener once');
    const requests = tcp.clientMessages().filter((m) => m.method === 'textDocument/inlineCompletion').length;
    t.diagnostic(`${requests} inline completion requests; request ${String(cancelled)} was cancelled by the last keystroke`);
  });

  it('ssh mode: the same with the server started through a real sshd on 127.0.0.1', { skip: sshdUnavailable() }, async (t) => {
    sshd = await startSshd(path.join(root, 'sshd'));
    codeServer!.writeWorkspaceSettings({
      'lspcopilot.connection.mode': 'ssh',
      'lspcopilot.ssh.target': sshd.target,
      'lspcopilot.ssh.options': sshd.clientOptions,
      'lspcopilot.ssh.remoteCommand': `${onPath('dotnet')} ${serverDll}`,
    });
    await typeAcceptAndSave({ file: 'Ssh.cs', ready: /LspCopilot: ready · ssh/ }, 'ssh', (m) => t.diagnostic(m));
    assert.match(fs.readFileSync(sshd.logFile, 'utf8'), /Accepted publickey/, 'sshd never accepted the extension\'s login');
  });

  it('model load: a progress notification and "loading model" until the server says it is ready', async (t) => {
    // A scripted server that loads for as long as the test wants (the tiny models load in ~50 ms).
    const release = path.join(root, 'release-model-load');
    const script = path.join(__dirname, '..', 'support', 'slowLoadingServer.js');
    const wrapper = path.join(root, 'slow-loading-server.sh');
    fs.writeFileSync(wrapper, `#!/bin/sh\nexec "${process.execPath}" "${script}" "${release}" big-coder-7b.gguf\n`, { mode: 0o755 });
    codeServer!.writeWorkspaceSettings({ 'lspcopilot.server.path': wrapper });
    await waitForStatus(page, /LspCopilot: loading model/, 30_000);
    const toast = page.locator('.notifications-toasts .notification-toast-container', { hasText: 'Loading big-coder-7b.gguf' });
    // Seen once its slide-in animation is over.
    await page.locator('.notifications-toasts .notification-fade-in-done', { hasText: 'Loading big-coder-7b.gguf' }).first().waitFor({ timeout: 10_000 });
    await page.screenshot({ path: path.join(outputDir, 'model-loading.png') });
    fs.writeFileSync(release, '');
    t.diagnostic(await waitForStatus(page, /LspCopilot: ready · big-coder-7b/, 10_000));
    await toast.first().waitFor({ state: 'detached', timeout: 10_000 });
  });

  it('crash loop: a server that keeps dying is restarted with backoff, then given up on with the reason', async (t) => {
    const crashing = path.join(root, 'crashing-server.sh');
    fs.writeFileSync(crashing, '#!/bin/sh\necho "crashing on purpose for the test" >&2\nexit 3\n', { mode: 0o755 });
    const started = Date.now();
    codeServer!.writeWorkspaceSettings({ 'lspcopilot.server.path': crashing });
    // Restarts after 1, 2, 4 and 8 s; the fifth crash within 3 minutes ends it.
    await waitForStatus(page, /LspCopilot: error/, 60_000);
    const message = page.locator('.notifications-toasts .notification-fade-in-done .notification-list-item-message', {
      hasText: 'stopped unexpectedly 5 times in 3 minutes',
    });
    await message.first().waitFor({ timeout: 10_000 });
    t.diagnostic(`gave up after ${((Date.now() - started) / 1000).toFixed(1)} s`);
    await page.screenshot({ path: path.join(outputDir, 'crash-loop.png') });
    const log = await waitForExtensionLog(/will not be restarted/);
    const delays = [...log.matchAll(/restarting in (\d+) s \(crash (\d) of at most 5/g)].map((m) => `${m[2]}:${m[1]}`);
    assert.deepEqual(delays.slice(-4), ['1:1', '2:2', '3:4', '4:8'], 'restarts should back off 1, 2, 4, 8 s');
    const toasts = await page.locator('.notifications-toasts .notification-list-item-message').allTextContents();
    assert.equal(toasts.filter((text) => /LspCopilot/.test(text)).length, 1, `one notification for the whole crash loop, not one per crash: ${JSON.stringify(toasts)}`);
  });

  it('status bar menu disables completions and the toggle command enables them again', async () => {
    codeServer!.writeWorkspaceSettings({});
    await waitForStatus(page, /LspCopilot: ready · stories260K-fim/, 30_000);
    await pickFromStatusMenu(page, 'Disable completions');
    await waitForStatus(page, /LspCopilot: disabled/, 20_000);
    await runCommand(page, 'LspCopilot: Toggle Completions');
    await waitForStatus(page, /LspCopilot: ready · stories260K-fim/, 30_000);
    await page.screenshot({ path: path.join(outputDir, 'status-ready.png') });
  });

  it('model unavailable: the server\'s lspcopilot/status turns the status bar to error, with its message', async (t) => {
    // The real server starts without a model it can load and says so in lspcopilot/status.
    const missing = path.join(root, 'missing-model.gguf');
    codeServer!.writeWorkspaceSettings({ 'lspcopilot.model.path': missing });
    t.diagnostic(await waitForStatus(page, /LspCopilot: error/, 30_000));
    // The menu's placeholder is the status detail: the server's message, not a client guess.
    const input = page.locator('.quick-input-widget input');
    await page.locator('.statusbar-item', { hasText: 'LspCopilot' }).first().click();
    await input.waitFor({ state: 'visible', timeout: 5_000 });
    const detail = (await input.getAttribute('placeholder')) ?? '';
    await page.screenshot({ path: path.join(outputDir, 'model-unavailable.png') });
    await page.keyboard.press('Escape');
    await input.waitFor({ state: 'hidden' });
    t.diagnostic(`status detail: ${detail}`);
    assert.ok(detail.includes(missing) && /does not exist/.test(detail), `the status detail should be the server's message: ${JSON.stringify(detail)}`);
  });

  it('explain: select code, run LspCopilot: Explain Selection, the panel shows the streamed text; a follow-up answers in the same conversation', async (t) => {
    // Back to the tiny model (an earlier test left a missing one); the .cs file starts the server.
    codeServer!.writeWorkspaceSettings({});
    await openFile(page, 'Program.cs');
    await waitForStatus(page, /LspCopilot: ready · stories260K-fim/, 60_000);
    await selectLines(page, 7, 11); // Main
    const started = Date.now();
    await runCommand(page, 'LspCopilot: Explain Selection');

    const panel = webviewFrame(page);
    const answer = panel.locator('#content .turn .answer').first();
    // The status bar says it while the model writes (the tiny model may finish first).
    const seen = new Set<string>();
    // A busy machine decodes the tiny model's 768-token answer slowly; the loop ends as soon as it is done.
    const deadline = Date.now() + 180_000;
    let text = '';
    while (Date.now() < deadline) {
      seen.add(await statusText(page));
      text = (await answer.count()) > 0 ? ((await answer.textContent()) ?? '').trim() : '';
      const streaming = await panel.locator('#content .turn.streaming').count();
      if (text !== '' && streaming === 0) {
        break;
      }
      await page.waitForTimeout(100);
    }
    t.diagnostic(`explanation after ${Date.now() - started} ms: ${JSON.stringify(text.slice(0, 120))}; status seen: ${JSON.stringify([...seen])}`);
    assert.notEqual(text, '', 'the panel never showed an explanation');
    assert.equal(await panel.locator('#subject').textContent(), 'Program.cs, lines 7–11');
    assert.equal(await panel.locator('#stop').isHidden(), true, 'Stop shows only while the answer streams');
    await page.screenshot({ path: path.join(outputDir, 'explain-panel.png') });

    // A follow-up question in the panel.
    const question = panel.locator('#question');
    await question.waitFor({ state: 'visible' });
    assert.equal(await question.isEnabled(), true, 'the follow-up box is enabled once the server sent a conversation id');
    await question.fill('What does it print?');
    await question.press('Enter');
    const turns = panel.locator('#content .turn');
    await panel.locator('#content .turn .question', { hasText: 'What does it print?' }).waitFor({ timeout: 10_000 });
    await panel.locator('#content .turn:not(.streaming)').nth(1).waitFor({ timeout: 180_000 });
    const second = ((await turns.nth(1).locator('.answer, .error').first().textContent()) ?? '').trim();
    t.diagnostic(`follow-up answer: ${JSON.stringify(second.slice(0, 120))}`);
    assert.equal(await turns.nth(1).locator('.error').count(), 0, `the follow-up failed: ${second}`);
    assert.notEqual(second, '', 'the follow-up got no text');
    await page.screenshot({ path: path.join(outputDir, 'explain-follow-up.png') });
    await waitForStatus(page, /LspCopilot: ready/, 10_000);
  });

  it('explain from the lightbulb: the Explain code action opens the same panel, and Stop ends the stream', async (t) => {
    codeServer!.writeWorkspaceSettings({});
    await openFile(page, 'Program.cs');
    await waitForStatus(page, /LspCopilot: ready · stories260K-fim/, 60_000);
    await selectLines(page, 9, 9);
    // The code actions menu (Ctrl+.), as a person opens the lightbulb.
    const item = page.locator('.action-widget .monaco-list-row', { hasText: 'Explain this code' });
    for (let attempt = 0; attempt < 5 && !(await item.first().isVisible()); attempt++) {
      await page.keyboard.press('Control+.');
      await item.first().waitFor({ timeout: 5_000 }).catch(() => undefined);
    }
    // The menu takes keys (a pointer block covers it from the mouse): move to the item, then Enter.
    const focused = page.locator('.action-widget .monaco-list-row.focused');
    for (let step = 0; step < 10 && !/Explain this code/.test((await focused.first().textContent().catch(() => '')) ?? ''); step++) {
      await page.keyboard.press('ArrowDown');
      await page.waitForTimeout(50);
    }
    await page.keyboard.press('Enter');

    const panel = webviewFrame(page);
    await panel.locator('#subject', { hasText: 'Program.cs, line 9' }).waitFor({ timeout: 10_000 });
    // Stop as soon as text streams in.
    const streaming = panel.locator('#content .turn.streaming .answer');
    await streaming.waitFor({ timeout: 60_000 });
    await panel.locator('#stop').click();
    await panel.locator('#content .turn .note', { hasText: 'Stopped.' }).waitFor({ timeout: 10_000 });
    const kept = ((await panel.locator('#content .turn .answer').first().textContent()) ?? '').trim();
    t.diagnostic(`stopped with ${kept.length} characters shown`);
    assert.notEqual(kept, '', 'the text so far should stay after Stop');
    assert.equal(await panel.locator('#stop').isHidden(), true);
    // The request ended (its promise settles when the server answers the $/cancelRequest): no more spinning.
    await waitForStatus(page, /LspCopilot: ready/, 10_000);
    await page.screenshot({ path: path.join(outputDir, 'explain-stopped.png') });
  });

  it('refactor with instructions: the instruction goes to the server, whose edit opens the refactor preview or whose refusal shows as an error', async (t) => {
    codeServer!.writeWorkspaceSettings({});
    await openFile(page, 'Program.cs');
    await waitForStatus(page, /LspCopilot: ready · stories260K-fim/, 60_000);
    await selectLines(page, 9, 9);
    const before = fs.readFileSync(path.join(workspace, 'Program.cs'), 'utf8');
    // Error toasts of earlier tests stay until dismissed: only a new one is this test's answer.
    await runCommand(page, 'Notifications: Clear All Notifications');
    const toastTexts = page.locator('.notifications-toasts .notification-list-item-message');
    await page.waitForTimeout(500);
    const earlier = new Set(await toastTexts.allTextContents());
    await runCommand(page, 'LspCopilot: Refactor with Instructions…', REFACTOR_PLACEHOLDER);
    const input = page.locator('.quick-input-widget input');
    await input.fill('print Goodbye instead');
    await page.keyboard.press('Enter');
    const started = Date.now();
    // The tiny model writes stories, so the server usually refuses (no code, or code that does not
    // compile); either way the plumbing shows its answer. Nothing is applied without the preview.
    const preview = page.locator('.bulk-edit-panel');
    const refusal = async () =>
      (await toastTexts.allTextContents()).find((text) => /^LspCopilot: (?!refactoring)/.test(text) && !earlier.has(text));
    const seen = new Set<string>();
    const deadline = Date.now() + 180_000;
    let outcome = '';
    while (Date.now() < deadline && outcome === '') {
      seen.add(await statusText(page));
      if ((await preview.count()) > 0 && (await preview.first().isVisible())) {
        outcome = 'preview';
      } else if ((await refusal()) !== undefined) {
        outcome = `error: ${(await refusal()) ?? ''}`;
      } else {
        await page.waitForTimeout(200);
      }
    }
    t.diagnostic(`after ${((Date.now() - started) / 1000).toFixed(1)} s: ${outcome}; status seen: ${JSON.stringify([...seen])}`);
    await page.screenshot({ path: path.join(outputDir, 'refactor.png') });
    assert.notEqual(outcome, '', 'neither the refactor preview nor an error came');
    assert.ok([...seen].some((text) => /refactoring…/.test(text)), 'the status bar should say refactoring… while the server works');
    if (outcome === 'preview') {
      assert.equal(fs.readFileSync(path.join(workspace, 'Program.cs'), 'utf8'), before, 'the preview applies nothing by itself');
    } else {
      assert.doesNotMatch(outcome, /no "Refactor with instructions…"|returned no edit|not running|model file/, 'the server should have resolved the action with the model');
    }
  });

  it('refactor preview: a resolved edit marked needsConfirmation opens the refactor preview, and Apply writes it', async (t) => {
    // A scripted server that answers with an edit, as the real one does with a model that writes code.
    const script = path.join(__dirname, '..', 'support', 'scriptedActionsServer.js');
    const wrapper = path.join(root, 'scripted-actions-server.sh');
    fs.writeFileSync(wrapper, `#!/bin/sh\nexec "${process.execPath}" "${script}" scripted-coder.gguf\n`, { mode: 0o755 });
    const file = path.join(workspace, 'Refactor.cs');
    fs.writeFileSync(file, SAMPLE_PROGRAM);
    codeServer!.writeWorkspaceSettings({ 'lspcopilot.server.path': wrapper });
    await waitForStatus(page, /LspCopilot: ready · scripted-coder/, 30_000);
    await openFile(page, 'Refactor.cs');
    await selectLines(page, 9, 9);
    await runCommand(page, 'LspCopilot: Refactor with Instructions…', REFACTOR_PLACEHOLDER);
    const input = page.locator('.quick-input-widget input');
    await input.fill('Goodbye');
    await page.keyboard.press('Enter');

    const apply = page.locator('.bulk-edit-panel .monaco-button', { hasText: /^Apply$/ });
    await apply.first().waitFor({ timeout: 30_000 });
    assert.equal(fs.readFileSync(file, 'utf8'), SAMPLE_PROGRAM, 'nothing changes before Apply');
    // needsConfirmation: VS Code lists the change unchecked; the user ticks it, then applies.
    const fileBox = page.locator('.bulk-edit-panel .monaco-list-row', { hasText: 'Refactor.cs' }).locator('input[type="checkbox"]');
    assert.equal(await fileBox.first().isChecked(), false, 'a change that needs confirmation starts unchecked');
    await fileBox.first().click();
    await page.screenshot({ path: path.join(outputDir, 'refactor-preview.png') });
    await apply.first().click();
    const lines = page.locator('.editor-group-container .monaco-editor[data-uri$="Refactor.cs"] .view-lines');
    await lines.filter({ hasText: 'Goodbye' }).first().waitFor({ timeout: 10_000 });
    await page.locator('.editor-group-container .monaco-editor[data-uri$="Refactor.cs"] .view-lines').first().click();
    await save(page);
    const expected = withLine(SAMPLE_PROGRAM, 8, '        Console.WriteLine("Goodbye");');
    assert.equal(await waitForFile(file, expected), expected, 'Apply should write the server\'s edit');
    // The progress notification went away when the server answered.
    const progress = page.locator('.notifications-toasts .notification-list-item-message', { hasText: 'LspCopilot: refactoring…' });
    await progress.first().waitFor({ state: 'detached', timeout: 10_000 });
    await page.screenshot({ path: path.join(outputDir, 'refactor-applied.png') });
    t.diagnostic('preview shown, applied, saved');
  });
});

/** What our server suggests for the same text under each URI, asked directly (its own process, same model). */
async function serverSuggestions(uris: string[], text: string, line: number, character: number, languageId = 'csharp'): Promise<string[]> {
  const child = await spawnServer({
    kind: 'process',
    mode: 'local',
    command: 'dotnet',
    args: [serverDll, '--stdio', '--model', modelPath, '--log-level', 'warning'],
    description: 'reference',
  });
  const client = new TestLspClient(child.stdout!, child.stdin!);
  try {
    await client.initialize(null);
    const suggestions: string[] = [];
    for (const uri of uris) {
      await client.open(uri, languageId, text);
      suggestions.push(await client.inlineCompletion(uri, line, character));
    }
    return suggestions;
  } finally {
    await client.shutdown();
    await terminate(child);
  }
}

function withLine(text: string, line: number, content: string): string {
  return text
    .split('\n')
    .map((l, i) => (i === line ? content : l))
    .join('\n');
}

async function waitForFile(file: string, expected: string, timeoutMs = 10_000): Promise<string> {
  const deadline = Date.now() + timeoutMs;
  let content = fs.readFileSync(file, 'utf8');
  while (content !== expected && Date.now() < deadline) {
    await new Promise((resolve) => setTimeout(resolve, 50));
    content = fs.readFileSync(file, 'utf8');
  }
  return content;
}

/** Keeps code-server's log, the extension's log and sshd's log with the screenshots. */
function collectLogs(root: string, sshdLog: string | undefined): void {
  const copy = (from: string, name: string) => {
    if (fs.existsSync(from)) {
      fs.copyFileSync(from, path.join(outputDir, name));
    }
  };
  copy(path.join(root, 'code-server.log'), 'code-server.log');
  if (sshdLog) {
    copy(sshdLog, 'sshd.log');
  }
  for (const file of findFiles(path.join(root, 'user-data', 'logs'))) {
    if (/LspCopilot\.log$/.test(file) || /exthost\.log$/.test(file) || /remoteexthost\.log$/.test(file)) {
      copy(file, path.basename(file));
    }
  }
}

function findFiles(dir: string): string[] {
  if (!fs.existsSync(dir)) {
    return [];
  }
  return fs.readdirSync(dir, { withFileTypes: true }).flatMap((entry) => {
    const full = path.join(dir, entry.name);
    return entry.isDirectory() ? findFiles(full) : [full];
  });
}
