// Acceptance statistics from VS Code's side: the command every inline completion item carries (run by VS Code
// when the user accepts the item; forwarded to the server, which records it locally), the client capability that
// tells the server this editor reports accepts, and today's figures for the status bar tooltip (lspcopilot/stats).

import * as vscode from 'vscode';
import { ClientCapabilities, ExecuteCommandRequest, FeatureState, StaticFeature } from 'vscode-languageclient';
import { LanguageClientWithoutToasts } from './serverSession';
import { StatusBar } from './statusBar';
import { STATS_REQUEST, StatsResult, todayFromStats } from './statusText';

/**
 * The command on the server's inline completion items, arguments `[id]`. Registered here, not by
 * vscode-languageclient: the server leaves it out of executeCommandProvider so the two never collide.
 */
export const ACCEPT_COMMAND = 'lspcopilot.completionAccepted';

/** Tells the server that this editor reports accepted suggestions (none accepted is then 0%, not "no data"). */
export class AcceptanceFeature implements StaticFeature {
  getState(): FeatureState {
    return { kind: 'static' };
  }

  fillClientCapabilities(capabilities: ClientCapabilities): void {
    capabilities.experimental = { ...(capabilities.experimental as object | undefined), lspcopilotAcceptance: true };
  }

  initialize(): void {}

  clear(): void {}
}

/** Forwards accepts to the server and keeps today's statistics in the status bar tooltip. */
export class AcceptanceStats implements vscode.Disposable {
  /** The tooltip is refreshed at most this often (and once a minute while a server runs). */
  private static readonly MIN_INTERVAL_MS = 5_000;
  private lastRefresh = 0;
  private pending: NodeJS.Timeout | undefined;
  private readonly timer: NodeJS.Timeout;

  constructor(
    private readonly client: () => LanguageClientWithoutToasts | undefined,
    private readonly status: StatusBar,
    private readonly log: vscode.LogOutputChannel,
  ) {
    this.timer = setInterval(() => this.refreshSoon(), 60_000);
  }

  register(): vscode.Disposable[] {
    return [vscode.commands.registerCommand(ACCEPT_COMMAND, (id: unknown) => this.accepted(id))];
  }

  /** Asks the server for today's figures, at most every few seconds. */
  refreshSoon(): void {
    if (this.pending !== undefined) {
      return;
    }
    const wait = Math.max(0, this.lastRefresh + AcceptanceStats.MIN_INTERVAL_MS - Date.now());
    this.pending = setTimeout(() => {
      this.pending = undefined;
      this.lastRefresh = Date.now();
      void this.refresh();
    }, wait);
  }

  dispose(): void {
    clearInterval(this.timer);
    if (this.pending !== undefined) {
      clearTimeout(this.pending);
    }
  }

  private async accepted(id: unknown): Promise<void> {
    const client = this.client();
    if (client === undefined || typeof id !== 'string') {
      return;
    }
    try {
      await client.sendRequest(ExecuteCommandRequest.type, { command: ACCEPT_COMMAND, arguments: [id] });
    } catch (error) {
      this.log.debug(`Could not report an accepted suggestion: ${error instanceof Error ? error.message : String(error)}`);
    }
    this.refreshSoon();
  }

  private async refresh(): Promise<void> {
    const client = this.client();
    if (client === undefined) {
      return;
    }
    try {
      const result = await client.sendRequest<StatsResult>(STATS_REQUEST, { since: 'today' });
      const today = todayFromStats(result);
      if (today !== undefined) {
        this.status.update({ today });
      }
    } catch (error) {
      // An older server without lspcopilot/stats: the tooltip just has no statistics line.
      this.log.debug(`No statistics from the server: ${error instanceof Error ? error.message : String(error)}`);
    }
  }
}
