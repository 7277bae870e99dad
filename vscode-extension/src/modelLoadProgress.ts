// Shows the server's work-done progress (sent while it loads the model) as a notification. The
// status bar does not read it: its state comes from the lspcopilot/status notification. Registered
// after the client's built-in progress feature, so its handler for window/workDoneProgress/create
// replaces that one instead of showing a second notification.

import * as vscode from 'vscode';
import {
  BaseLanguageClient,
  ClientCapabilities,
  FeatureState,
  StaticFeature,
  WorkDoneProgress,
  WorkDoneProgressCreateParams,
  WorkDoneProgressCreateRequest,
} from 'vscode-languageclient';

export class ModelLoadProgressFeature implements StaticFeature {
  private readonly open = new Set<() => void>();

  constructor(private readonly client: BaseLanguageClient) {}

  getState(): FeatureState {
    return { kind: 'static' };
  }

  fillClientCapabilities(capabilities: ClientCapabilities): void {
    capabilities.window = { ...capabilities.window, workDoneProgress: true };
  }

  initialize(): void {
    this.client.onRequest(WorkDoneProgressCreateRequest.type, (params: WorkDoneProgressCreateParams) => {
      this.track(String(params.token));
    });
  }

  clear(): void {
    for (const end of [...this.open]) {
      end();
    }
  }

  private track(token: string): void {
    let finish!: () => void;
    const done = new Promise<void>((resolve) => (finish = resolve));
    let report: vscode.Progress<{ message?: string }> | undefined;
    let pendingMessage: string | undefined;
    const end = () => {
      this.open.delete(end);
      subscription.dispose();
      finish();
    };
    this.open.add(end);
    // Subscribe before answering the create request, so the begin that follows is never missed.
    const subscription = this.client.onProgress(WorkDoneProgress.type, token, (value) => {
      switch (value.kind) {
        case 'begin':
          pendingMessage = value.message;
          report?.report({ message: value.message });
          break;
        case 'report':
          pendingMessage = value.message;
          report?.report({ message: value.message });
          break;
        case 'end':
          end();
          break;
      }
    });
    void vscode.window.withProgress(
      { location: vscode.ProgressLocation.Notification, title: 'LspCopilot', cancellable: false },
      (progress) => {
        report = progress;
        if (pendingMessage !== undefined) {
          progress.report({ message: pendingMessage });
        }
        return done;
      },
    );
  }
}
