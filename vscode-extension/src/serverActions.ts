// Explain and refactor: placeholders that call the server's requests once it offers them. The
// commands are hidden until the server announces capabilities.experimental.lspcopilot.*Provider.

import * as vscode from 'vscode';
import { WorkspaceEdit } from 'vscode-languageclient';
import { ServerController } from './serverController';

export const EXPLAIN_REQUEST = 'lspcopilot/explain';
export const REFACTOR_REQUEST = 'lspcopilot/refactor';

export async function explainSelection(controller: ServerController): Promise<void> {
  const target = selectionTarget(controller);
  if (target === undefined) {
    return;
  }
  const { client, params } = target;
  const result = await vscode.window.withProgress(
    { location: vscode.ProgressLocation.Notification, title: 'LspCopilot: explaining…', cancellable: true },
    (_progress, token) => client.sendRequest<{ markdown?: string } | null>(EXPLAIN_REQUEST, params, token),
  );
  if (!result?.markdown) {
    void vscode.window.showInformationMessage('LspCopilot: the server had no explanation for this selection.');
    return;
  }
  const doc = await vscode.workspace.openTextDocument({ language: 'markdown', content: result.markdown });
  await vscode.window.showTextDocument(doc, vscode.ViewColumn.Beside, true);
}

export async function refactorSelection(controller: ServerController): Promise<void> {
  const target = selectionTarget(controller);
  if (target === undefined) {
    return;
  }
  const instruction = await vscode.window.showInputBox({ title: 'LspCopilot: refactor', prompt: 'What should change?' });
  if (!instruction) {
    return;
  }
  const { client, params } = target;
  const edit = await vscode.window.withProgress(
    { location: vscode.ProgressLocation.Notification, title: 'LspCopilot: refactoring…', cancellable: true },
    (_progress, token) => client.sendRequest<WorkspaceEdit | null>(REFACTOR_REQUEST, { ...params, instruction }, token),
  );
  if (!edit) {
    void vscode.window.showInformationMessage('LspCopilot: the server proposed no change.');
    return;
  }
  await vscode.workspace.applyEdit(await client.protocol2CodeConverter.asWorkspaceEdit(edit));
}

function selectionTarget(controller: ServerController) {
  const client = controller.languageClient;
  const editor = vscode.window.activeTextEditor;
  if (client === undefined || editor === undefined) {
    void vscode.window.showWarningMessage('LspCopilot: open a file with a running server first.');
    return undefined;
  }
  return {
    client,
    params: {
      textDocument: { uri: client.code2ProtocolConverter.asUri(editor.document.uri) },
      range: client.code2ProtocolConverter.asRange(editor.selection),
    },
  };
}
