// Entry point: wires the status bar, commands and server controller. The server is started when
// the first document in one of the configured languages is open, and restarted when settings change.

import * as vscode from 'vscode';
import { registerCommands } from './commands';
import { readSettings, ServerController } from './serverController';
import { RESTART_SECTIONS } from './settings';
import { StatusBar } from './statusBar';

let controller: ServerController | undefined;

export function activate(context: vscode.ExtensionContext): void {
  const log = vscode.window.createOutputChannel('LspCopilot', { log: true });
  const status = new StatusBar();
  const server = new ServerController(context.extensionPath, log, status);
  controller = server;
  context.subscriptions.push(log, status, ...registerCommands(server, status, log));

  let started = false;
  const startOnce = () => {
    if (!started) {
      started = true;
      void server.start();
    }
  };
  const wanted = (document: vscode.TextDocument) => readSettings().languages.includes(document.languageId);
  const startIfWanted = () => {
    if (!readSettings().enable || vscode.workspace.textDocuments.some(wanted)) {
      startOnce();
    } else {
      status.set({ state: 'idle', mode: readSettings().mode, detail: `Starts when a ${readSettings().languages.join(' or ')} file is opened.` });
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

export async function deactivate(): Promise<void> {
  await controller?.stop();
  controller = undefined;
}
