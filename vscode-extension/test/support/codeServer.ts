// Runs code-server (VS Code 1.100 in a browser) on 127.0.0.1 with a throwaway profile, our
// extension installed from its .vsix, and settings the test can rewrite while it runs.

import { ChildProcess, execFileSync, spawn } from 'node:child_process';
import * as fs from 'node:fs';
import * as net from 'node:net';
import * as os from 'node:os';
import * as path from 'node:path';
import { killOnExit } from './cleanup';

export const CODE_SERVER_VERSION = '4.100.3';

export interface CodeServer {
  readonly url: string;
  readonly userDataDir: string;
  readonly logFile: string;
  /**
   * Rewrites the workspace's .vscode/settings.json, as a person switching this project to another
   * server would. (code-server notices changes there; it does not watch the user settings file.)
   */
  writeWorkspaceSettings(settings: Record<string, unknown>): void;
  stop(): Promise<void>;
}

/** The code-server program installed by scripts/setup-e2e.sh. */
export function codeServerBinary(): string {
  if (process.env.LSPCOPILOT_CODE_SERVER) {
    return process.env.LSPCOPILOT_CODE_SERVER;
  }
  const cache = process.env.LSPCOPILOT_E2E_CACHE || path.join(process.env.XDG_CACHE_HOME || path.join(os.homedir(), '.cache'), 'lspcopilot-e2e');
  return path.join(cache, `code-server-${CODE_SERVER_VERSION}`, 'node_modules', '.bin', 'code-server');
}

/** Settings that keep the editor deterministic: ghost text on, every other suggestion off. */
const BASE_SETTINGS = {
  'editor.inlineSuggest.enabled': true,
  'editor.quickSuggestions': { other: 'off', comments: 'off', strings: 'off' },
  'editor.suggestOnTriggerCharacters': false,
  'editor.wordBasedSuggestions': 'off',
  'editor.parameterHints.enabled': false,
  'editor.acceptSuggestionOnEnter': 'off',
  'editor.minimap.enabled': false,
  'workbench.startupEditor': 'none',
  'workbench.tips.enabled': false,
  'workbench.enableExperiments': false,
  'telemetry.telemetryLevel': 'off',
  'security.workspace.trust.enabled': false,
  'extensions.autoCheckUpdates': false,
  'extensions.autoUpdate': false,
  'files.autoSave': 'off',
  'update.mode': 'none',
  'chat.commandCenter.enabled': false,
};

export async function startCodeServer(options: { root: string; workspace: string; vsix: string; settings: Record<string, unknown> }): Promise<CodeServer> {
  const binary = codeServerBinary();
  if (!fs.existsSync(binary)) {
    throw new Error(`code-server is not installed at ${binary}: run scripts/setup-e2e.sh`);
  }
  const userDataDir = path.join(options.root, 'user-data');
  const extensionsDir = path.join(options.root, 'extensions');
  const xdg = path.join(options.root, 'xdg');
  for (const dir of [userDataDir, extensionsDir, path.join(userDataDir, 'User'), xdg]) {
    fs.mkdirSync(dir, { recursive: true });
  }
  const configFile = path.join(options.root, 'config.yaml');
  fs.writeFileSync(configFile, '');
  const env = {
    ...process.env,
    XDG_DATA_HOME: path.join(xdg, 'data'),
    XDG_CONFIG_HOME: path.join(xdg, 'config'),
    XDG_CACHE_HOME: path.join(xdg, 'cache'),
    // The server's acceptance statistics stay in the test's folder.
    XDG_STATE_HOME: path.join(xdg, 'state'),
  };
  const common = ['--config', configFile, '--user-data-dir', userDataDir, '--extensions-dir', extensionsDir];

  // VS Code 1.100 has no default key for triggering ghost text by hand.
  fs.writeFileSync(
    path.join(userDataDir, 'User', 'keybindings.json'),
    JSON.stringify([{ key: 'alt+\\', command: 'editor.action.inlineSuggest.trigger', when: 'editorTextFocus' }], null, 2),
  );
  fs.writeFileSync(path.join(userDataDir, 'User', 'settings.json'), JSON.stringify({ ...BASE_SETTINGS, ...options.settings }, null, 2));
  const workspaceSettings = path.join(options.workspace, '.vscode', 'settings.json');
  fs.mkdirSync(path.dirname(workspaceSettings), { recursive: true });
  // Present from the start, so that the watcher sees later changes as changes.
  fs.writeFileSync(workspaceSettings, '{}\n');

  execFileSync(binary, [...common, '--install-extension', options.vsix, '--force'], { env, stdio: 'pipe', timeout: 60_000 });

  const port = await freePort();
  const logFile = path.join(options.root, 'code-server.log');
  const log = fs.openSync(logFile, 'w');
  const child: ChildProcess = spawn(
    binary,
    [
      ...common,
      '--auth', 'none',
      '--bind-addr', `127.0.0.1:${port}`,
      '--disable-telemetry',
      '--disable-update-check',
      '--disable-workspace-trust',
      '--disable-getting-started-override',
      options.workspace,
    ],
    // Its own process group: its file watcher outlives SIGTERM unless the whole group is ended.
    { env, detached: true, stdio: ['ignore', log, log] },
  );
  fs.closeSync(log);
  const forget = killOnExit(() => killGroup(child.pid!, 'SIGKILL'));
  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
  const url = `http://127.0.0.1:${port}`;
  await waitForHealth(url, exited, logFile);

  return {
    url,
    userDataDir,
    logFile,
    writeWorkspaceSettings: (settings) => fs.writeFileSync(workspaceSettings, JSON.stringify(settings, null, 2)),
    stop: async () => {
      if (child.pid === undefined || child.exitCode !== null || child.signalCode !== null) {
        return;
      }
      killGroup(child.pid, 'SIGTERM');
      const timer = setTimeout(() => killGroup(child.pid!, 'SIGKILL'), 3_000);
      await exited;
      clearTimeout(timer);
      killGroup(child.pid, 'SIGKILL');
      forget();
    },
  };
}

function killGroup(pid: number, signal: NodeJS.Signals): void {
  try {
    process.kill(-pid, signal);
  } catch {
    // Already gone.
  }
}

function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const probe = net.createServer();
    probe.once('error', reject);
    probe.listen(0, '127.0.0.1', () => {
      const { port } = probe.address() as net.AddressInfo;
      probe.close(() => resolve(port));
    });
  });
}

async function waitForHealth(url: string, exited: Promise<void>, logFile: string): Promise<void> {
  let gone = false;
  void exited.then(() => (gone = true));
  const deadline = Date.now() + 60_000;
  while (Date.now() < deadline) {
    if (gone) {
      throw new Error(`code-server exited at start:\n${fs.readFileSync(logFile, 'utf8')}`);
    }
    try {
      const response = await fetch(`${url}/healthz`);
      if (response.ok) {
        return;
      }
    } catch {
      // Not listening yet.
    }
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
  throw new Error(`code-server did not answer ${url}/healthz within 60 s:\n${fs.readFileSync(logFile, 'utf8')}`);
}
