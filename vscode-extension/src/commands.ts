// The extension's commands and the quick menu behind the status bar item.

import * as vscode from 'vscode';
import { ServerController } from './serverController';
import { MENU_COMMAND, StatusBar } from './statusBar';

export const COMMANDS = {
  toggle: 'lspcopilot.toggle',
  restart: 'lspcopilot.restart',
  showLog: 'lspcopilot.showLog',
  menu: MENU_COMMAND,
} as const;

export function registerCommands(
  controller: ServerController,
  status: StatusBar,
  log: vscode.LogOutputChannel,
): vscode.Disposable[] {
  const toggle = async () => {
    const config = vscode.workspace.getConfiguration('lspcopilot');
    const enabled = config.get<boolean>('enable') !== false;
    // Write where the effective value comes from, so the toggle is never shadowed by a workspace value.
    const inspected = config.inspect<boolean>('enable');
    const target =
      inspected?.workspaceFolderValue !== undefined
        ? vscode.ConfigurationTarget.WorkspaceFolder
        : inspected?.workspaceValue !== undefined
          ? vscode.ConfigurationTarget.Workspace
          : vscode.ConfigurationTarget.Global;
    await config.update('enable', !enabled, target);
  };
  const restart = () => controller.restart();
  const showLog = () => log.show(true);

  const menu = async () => {
    const enabled = status.current.state !== 'disabled';
    type Item = vscode.QuickPickItem & { run: () => unknown };
    const items: Item[] = [
      { label: enabled ? '$(circle-slash) Disable completions' : '$(sparkle) Enable completions', run: toggle },
      { label: '$(debug-restart) Restart server', run: restart },
      { label: '$(output) Show server log', run: showLog },
    ];
    const picked = await vscode.window.showQuickPick(items, {
      title: 'LspCopilot',
      placeHolder: status.current.detail ?? `Server ${status.current.state}${status.current.where ? ` (${status.current.where})` : ''}`,
    });
    await picked?.run();
  };

  return [
    vscode.commands.registerCommand(COMMANDS.toggle, toggle),
    vscode.commands.registerCommand(COMMANDS.restart, restart),
    vscode.commands.registerCommand(COMMANDS.showLog, showLog),
    vscode.commands.registerCommand(COMMANDS.menu, menu),
  ];
}
