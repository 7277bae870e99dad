// The code-action commands: "Explain Selection" (the explain panel) and "Refactor with
// Instructions…" (the server's `instructions` action, resolved with the user's text and applied
// through VS Code's refactor preview, which its needsConfirmation annotation asks for).

import * as vscode from 'vscode';
import { CodeAction, CodeActionRequest, CodeActionResolveRequest, Command, LanguageClient } from 'vscode-languageclient/node';
import { REFACTOR_KIND } from './capabilities';
import { ExplainPanel, ExplainTarget } from './explainPanel';
import { StatusBar } from './statusBar';

export const CODE_ACTION_COMMANDS = {
  explain: 'lspcopilot.explain',
  refactor: 'lspcopilot.refactor',
} as const;

/** The action id of the server's "Refactor with instructions…". */
export const INSTRUCTIONS_ACTION = 'instructions';

export function registerCodeActionCommands(
  client: () => LanguageClient | undefined,
  panel: ExplainPanel,
  status: StatusBar,
  log: vscode.LogOutputChannel,
): vscode.Disposable[] {
  const explain = async () => {
    const editor = vscode.window.activeTextEditor;
    const running = client();
    if (editor === undefined || running === undefined) {
      void vscode.window.showErrorMessage(editor === undefined ? 'LspCopilot: open a file and select code to explain.' : 'LspCopilot: the server is not running.');
      return;
    }
    const c2p = running.code2ProtocolConverter;
    // An empty selection explains the member around the cursor (the server finds it).
    const target: ExplainTarget = { textDocument: { uri: c2p.asUri(editor.document.uri) }, range: c2p.asRange(editor.selection) };
    await panel.explain(target);
  };

  const refactor = async () => {
    const editor = vscode.window.activeTextEditor;
    if (editor === undefined || client() === undefined) {
      void vscode.window.showErrorMessage(editor === undefined ? 'LspCopilot: open a file and select code to refactor.' : 'LspCopilot: the server is not running.');
      return;
    }
    const instruction = await vscode.window.showInputBox({
      title: 'LspCopilot: Refactor with Instructions',
      prompt: editor.selection.isEmpty ? 'How should the member around the cursor change?' : 'How should the selected code change?',
      placeHolder: 'e.g. use early returns; rename x to count',
      ignoreFocusOut: true,
    });
    if (instruction === undefined || instruction.trim() === '') {
      return;
    }
    const running = client();
    if (running === undefined) {
      void vscode.window.showErrorMessage('LspCopilot: the server is not running.');
      return;
    }
    try {
      const edit = await status.during('refactoring…', () =>
        vscode.window.withProgress(
          { location: vscode.ProgressLocation.Notification, title: 'LspCopilot: refactoring…', cancellable: true },
          (_progress, token) => resolveInstructions(running, editor.document, editor.selection, instruction.trim(), token),
        ),
      );
      if (edit === undefined) {
        return; // Cancelled.
      }
      // The server marks its edit needsConfirmation: VS Code shows the refactor preview first.
      const applied = await vscode.workspace.applyEdit(edit);
      log.info(`Refactor with instructions: ${applied ? 'applied' : 'not applied'}.`);
    } catch (error) {
      const message = error instanceof Error ? error.message : String(error);
      log.warn(`Refactor with instructions failed: ${message}`);
      void vscode.window.showErrorMessage(`LspCopilot: ${message}`);
    }
  };

  return [
    vscode.commands.registerCommand(CODE_ACTION_COMMANDS.explain, explain),
    vscode.commands.registerCommand(CODE_ACTION_COMMANDS.refactor, refactor),
  ];
}

/**
 * Lists the server's refactor actions for the selection, takes `instructions`, sets the user's
 * text and resolves it. Undefined when cancelled; throws with the server's message on errors.
 */
async function resolveInstructions(
  client: LanguageClient,
  document: vscode.TextDocument,
  selection: vscode.Selection,
  instruction: string,
  token: vscode.CancellationToken,
): Promise<vscode.WorkspaceEdit | undefined> {
  const c2p = client.code2ProtocolConverter;
  const actions = await client.sendRequest(
    CodeActionRequest.type,
    {
      textDocument: { uri: c2p.asUri(document.uri) },
      range: c2p.asRange(selection),
      context: { diagnostics: [], only: [REFACTOR_KIND] },
    },
    token,
  );
  if (token.isCancellationRequested) {
    return undefined;
  }
  const action = findInstructionsAction(actions);
  if (action === undefined) {
    throw new Error('the server offers no "Refactor with instructions…" here.');
  }
  const resolved = await client.sendRequest(
    CodeActionResolveRequest.type,
    { ...action, data: { ...(action.data as object), instruction } },
    token,
  );
  if (token.isCancellationRequested) {
    return undefined;
  }
  if (resolved?.edit === undefined) {
    throw new Error('the server returned no edit.');
  }
  return client.protocol2CodeConverter.asWorkspaceEdit(resolved.edit, token);
}

export function findInstructionsAction(actions: readonly (Command | CodeAction)[] | null | undefined): CodeAction | undefined {
  return (actions ?? []).find(
    (action): action is CodeAction =>
      typeof (action as CodeAction).data === 'object' &&
      (action as CodeAction).data !== null &&
      ((action as CodeAction).data as { actionId?: unknown }).actionId === INSTRUCTIONS_ACTION,
  );
}
