// Entry point: wires the status bar, commands and server controller. The server is started when
// the first document that gets completions is open (any language but the excluded ones, by default),
// and restarted when settings change.

import * as vscode from 'vscode';
import { AcceptanceStats } from './acceptanceStats';
import { registerCodeActionCommands } from './codeActions';
import { registerCommands } from './commands';
import { ExplainPanel, ExplainTarget } from './explainPanel';
import { describeLanguages } from './documentFilter';
import { readSettings, ServerController, wantsDocument } from './serverController';
import { RESTART_SECTIONS } from './settings';
import { StatusBar } from './statusBar';

let controller: ServerController | undefined;

export function activate(context: vscode.ExtensionContext): void {
  const log = vscode.window.createOutputChannel('LspCopilot', { log: true });
  const status = new StatusBar();
  const server = new ServerController(context.extensionPath, log, status);
  controller = server;
  context.subscriptions.push(log, status, server.watchEdits(), ...registerCommands(server, status, log));

  // Accepted suggestions go to the server's local statistics; today's figures go in the status bar tooltip.
  const acceptance = new AcceptanceStats(() => server.languageClient, status, log);
  server.onReady = () => acceptance.refreshSoon();
  context.subscriptions.push(acceptance, ...acceptance.register());

  // Explain and refactor: the panel, the two commands, and the Explain code action into the panel.
  const panel = new ExplainPanel(() => server.languageClient, status, log);
  server.explainCommand = async (argument) => {
    if (!isExplainTarget(argument)) {
      void vscode.window.showErrorMessage('LspCopilot: the Explain action came without a document and range.');
      return undefined;
    }
    await panel.explain(argument);
    return undefined;
  };
  context.subscriptions.push(panel, ...registerCodeActionCommands(() => server.languageClient, panel, status, log));

  let started = false;
  const startOnce = () => {
    if (!started) {
      started = true;
      void server.start();
    }
  };
  const wanted = (document: vscode.TextDocument) => wantsDocument(readSettings(), document);
  const startIfWanted = () => {
    if (!readSettings().enable || vscode.workspace.textDocuments.some(wanted)) {
      startOnce();
    } else {
      status.set({ state: 'idle', mode: readSettings().mode, detail: `Starts when a ${describeLanguages(readSettings())} file is opened.` });
    }
  };

  context.subscriptions.push(
    vscode.workspace.onDidOpenTextDocument((document) => {
      if (!started && wanted(document)) {
        startOnce();
      }
    }),
    vscode.workspace.onDidChangeConfiguration((event) => {
      const affected =
        event.affectsConfiguration('lspcopilot.enable') ||
        RESTART_SECTIONS.some((section) => event.affectsConfiguration(`lspcopilot.${section}`));
      if (!affected) {
        return;
      }
      if (started) {
        void server.restart();
      } else {
        startIfWanted();
      }
    }),
  );

  startIfWanted();
}

function isExplainTarget(value: unknown): value is ExplainTarget {
  const target = value as ExplainTarget | undefined;
  return typeof target?.textDocument?.uri === 'string' && typeof target?.range?.start?.line === 'number' && typeof target?.range?.end?.line === 'number';
}

export async function deactivate(): Promise<void> {
  await controller?.stop();
  controller = undefined;
}
