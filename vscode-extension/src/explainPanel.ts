// The explain panel: one webview beside the editor, reused, that shows lspcopilot/explain's
// markdown as it streams ($/progress partial results for our token), with Stop (cancels the
// request: $/cancelRequest), follow-up questions (the same conversationId) and the reasoning on
// demand. Closing it ends the conversation on the server (lspcopilot/endConversation).

import * as crypto from 'node:crypto';
import * as vscode from 'vscode';
import { LanguageClient, ProgressType, RequestType, NotificationType } from 'vscode-languageclient/node';
import { canAsk, canStop, describeTarget, ExplainEvent, ExplainState, ExplainTarget, INITIAL_STATE, reduce, renderTurns } from './explainState';
import { panelHtml, parsePanelMessage, RenderMessage } from './panelHtml';
import { StatusBar } from './statusBar';

export type { ExplainTarget } from './explainState';

interface ExplainParams {
  textDocument?: { uri: string };
  range?: ExplainTarget['range'];
  partialResultToken?: string;
  conversationId?: string;
  question?: string;
}

interface ExplainProgress {
  readonly markdown: string;
  readonly conversationId?: string;
}

interface ExplainResult {
  readonly markdown: string;
  readonly conversationId?: string;
  readonly reasoning?: string | null;
}

export const EXPLAIN_REQUEST = new RequestType<ExplainParams, ExplainResult, void>('lspcopilot/explain');
export const END_CONVERSATION = new NotificationType<{ conversationId: string }>('lspcopilot/endConversation');
const EXPLAIN_PROGRESS = new ProgressType<ExplainProgress>();

export const PANEL_VIEW_TYPE = 'lspcopilot.explain';

export class ExplainPanel implements vscode.Disposable {
  private panel: vscode.WebviewPanel | undefined;
  private state: ExplainState = INITIAL_STATE;
  /** What the conversation explains: follow-ups name the document too. */
  private target: ExplainTarget | undefined;
  /** The client that holds the conversation: a restarted server knows nothing of it. */
  private conversationClient: LanguageClient | undefined;
  private running: vscode.CancellationTokenSource | undefined;
  private tokens = 0;

  constructor(
    private readonly client: () => LanguageClient | undefined,
    private readonly status: StatusBar,
    private readonly log: vscode.LogOutputChannel,
  ) {}

  /** Explains a range in a new conversation (ending the panel's previous one). */
  async explain(target: ExplainTarget): Promise<void> {
    this.show();
    this.endConversation();
    this.target = target;
    this.dispatch({ type: 'start', subject: describeTarget(target) });
    await this.run({ textDocument: { uri: target.textDocument.uri }, range: target.range }, this.state.request);
  }

  /** Asks a follow-up question in the panel's conversation. */
  async ask(question: string): Promise<void> {
    if (!canAsk(this.state)) {
      return;
    }
    const conversationId = this.state.conversationId!;
    this.dispatch({ type: 'ask', question });
    // The server needs the document of the conversation; the range it already knows.
    const textDocument = this.target !== undefined ? { uri: this.target.textDocument.uri } : undefined;
    await this.run({ textDocument, range: this.target?.range, conversationId, question }, this.state.request);
  }

  /** Stops the streaming answer: the request's token is cancelled, which sends $/cancelRequest. */
  stop(): void {
    if (canStop(this.state)) {
      this.running?.cancel();
      this.dispatch({ type: 'stopped', request: this.state.request });
    }
  }

  /** For tests and the log: what the panel holds now. */
  get current(): ExplainState {
    return this.state;
  }

  dispose(): void {
    this.panel?.dispose();
    this.onClosed();
  }

  private async run(params: ExplainParams, request: number): Promise<void> {
    const client = this.client();
    if (client === undefined) {
      this.dispatch({ type: 'error', request, message: 'The LspCopilot server is not running.' });
      return;
    }
    if (params.conversationId !== undefined && client !== this.conversationClient) {
      this.dispatch({ type: 'error', request, message: 'The server restarted and no longer has this conversation: explain the code again.' });
      return;
    }
    this.conversationClient = client;
    const source = new vscode.CancellationTokenSource();
    this.running = source;
    const token = `lspcopilot-explain-${process.pid}-${++this.tokens}`;
    const progress = client.onProgress(EXPLAIN_PROGRESS, token, (value) => {
      if (typeof value?.markdown === 'string') {
        this.dispatch({ type: 'progress', request, markdown: value.markdown, conversationId: value.conversationId });
      }
    });
    const endActivity = this.status.beginActivity(params.question !== undefined ? 'answering…' : 'explaining…');
    try {
      const result = await client.sendRequest(EXPLAIN_REQUEST, { ...params, partialResultToken: token }, source.token);
      this.dispatch({
        type: 'done',
        request,
        markdown: typeof result?.markdown === 'string' ? result.markdown : '',
        conversationId: result?.conversationId,
        reasoning: typeof result?.reasoning === 'string' ? result.reasoning : undefined,
      });
    } catch (error) {
      if (source.token.isCancellationRequested) {
        this.dispatch({ type: 'stopped', request });
      } else {
        const message = error instanceof Error ? error.message : String(error);
        this.log.warn(`lspcopilot/explain failed: ${message}`);
        this.dispatch({ type: 'error', request, message });
      }
    } finally {
      progress.dispose();
      endActivity();
      if (this.running === source) {
        this.running = undefined;
      }
      source.dispose();
    }
  }

  private dispatch(event: ExplainEvent): void {
    const next = reduce(this.state, event);
    if (next !== this.state) {
      this.state = next;
      this.render();
    }
  }

  private show(): void {
    if (this.panel !== undefined) {
      // Where the user left it, unless that would cover the editor being explained.
      const editorColumn = vscode.window.activeTextEditor?.viewColumn;
      this.panel.reveal(editorColumn !== undefined && editorColumn === this.panel.viewColumn ? vscode.ViewColumn.Beside : undefined, true);
      return;
    }
    const panel = vscode.window.createWebviewPanel(
      PANEL_VIEW_TYPE,
      'LspCopilot: Explain',
      { viewColumn: vscode.ViewColumn.Beside, preserveFocus: true },
      { enableScripts: true, enableCommandUris: false, localResourceRoots: [], retainContextWhenHidden: true },
    );
    panel.webview.html = panelHtml(crypto.randomBytes(16).toString('base64'));
    panel.webview.onDidReceiveMessage((raw) => {
      const message = parsePanelMessage(raw);
      if (message?.type === 'ready') {
        this.render();
      } else if (message?.type === 'stop') {
        this.stop();
      } else if (message?.type === 'ask') {
        void this.ask(message.question);
      }
    });
    panel.onDidDispose(() => {
      if (this.panel === panel) {
        this.panel = undefined;
        this.onClosed();
      }
    });
    this.panel = panel;
  }

  private onClosed(): void {
    this.running?.cancel();
    this.endConversation();
    this.state = INITIAL_STATE;
  }

  /** Tells the server to forget the panel's conversation, if it has one. */
  private endConversation(): void {
    const conversationId = this.state.conversationId;
    const client = this.conversationClient;
    if (this.state.phase === 'streaming') {
      this.running?.cancel();
    }
    if (conversationId !== undefined && client !== undefined && client === this.client()) {
      client.sendNotification(END_CONVERSATION, { conversationId }).catch((error: unknown) => this.log.debug(`endConversation: ${String(error)}`));
    }
    this.conversationClient = undefined;
  }

  private render(): void {
    if (this.panel === undefined) {
      return;
    }
    const message: RenderMessage = {
      type: 'render',
      subject: this.state.subject,
      html: renderTurns(this.state),
      canStop: canStop(this.state),
      canAsk: canAsk(this.state),
      busy: this.state.phase === 'streaming',
    };
    void this.panel.webview.postMessage(message);
  }
}
