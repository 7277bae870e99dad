// The status bar item: what the server is doing, which model, how long the last completion took.

import * as vscode from 'vscode';
import { StatusInfo, statusText } from './statusText';

export const MENU_COMMAND = 'lspcopilot.menu';

export class StatusBar implements vscode.Disposable {
  private readonly item: vscode.StatusBarItem;
  private info: StatusInfo = { state: 'idle', mode: 'local' };
  /** Code actions running now, newest last; the status bar shows the newest. */
  private readonly activities: { readonly id: number; readonly label: string }[] = [];
  private nextActivity = 0;

  constructor() {
    this.item = vscode.window.createStatusBarItem('lspcopilot.status', vscode.StatusBarAlignment.Right, 100);
    this.item.name = 'LspCopilot';
    this.item.command = MENU_COMMAND;
    this.render();
    this.item.show();
  }

  get current(): StatusInfo {
    return this.info;
  }

  /** Replaces the whole state (a new server session). */
  set(info: StatusInfo): void {
    this.info = info;
    this.render();
  }

  /** Changes some fields of the current state. */
  update(change: Partial<StatusInfo>): void {
    this.info = { ...this.info, ...change };
    this.render();
  }

  /**
   * Shows `label` (e.g. "explaining…") with a spinning icon until the returned function is called.
   * Several may run at once; the newest shows.
   */
  beginActivity(label: string): () => void {
    const id = ++this.nextActivity;
    this.activities.push({ id, label });
    this.render();
    return () => {
      const index = this.activities.findIndex((activity) => activity.id === id);
      if (index >= 0) {
        this.activities.splice(index, 1);
        this.render();
      }
    };
  }

  /** Runs `work` with `label` shown while it runs. */
  async during<T>(label: string, work: () => Thenable<T>): Promise<T> {
    const end = this.beginActivity(label);
    try {
      return await work();
    } finally {
      end();
    }
  }

  dispose(): void {
    this.item.dispose();
  }

  private render(): void {
    const { text, tooltip } = statusText(this.info, this.activities[this.activities.length - 1]?.label);
    this.item.text = text;
    this.item.tooltip = tooltip;
    this.item.accessibilityInformation = { label: text.replace(/\$\([^)]*\)\s*/g, ''), role: 'button' };
    this.item.backgroundColor =
      this.info.state === 'error' ? new vscode.ThemeColor('statusBarItem.errorBackground') : undefined;
  }
}
