// Owns the language client: starts it for the current settings, restarts it with backoff when the
// server dies, gives up after too many crashes, and keeps the status bar true: before the
// connection it says starting (or why it cannot start); once connected, the server's
// lspcopilot/status notification says loading, ready or why the model cannot answer.

import * as fs from 'node:fs';
import * as os from 'node:os';
import * as readline from 'node:readline';
import * as vscode from 'vscode';
import {
  CloseAction,
  ErrorAction,
  LanguageClientOptions,
  LogMessageNotification,
  MessageType,
  RevealOutputChannelOn,
  ServerOptions,
  ShowMessageNotification,
} from 'vscode-languageclient/node';
import { AcceptanceFeature } from './acceptanceStats';
import { CONTEXT_KEYS, CodeActionFeatures, featuresFromCapabilities, NO_FEATURES, SERVER_EXPLAIN_COMMAND } from './capabilities';
import { AdaptiveDebounce, waitUnlessCancelled } from './adaptiveDebounce';
import { CrashPolicy } from './crashPolicy';
import { isWanted, SCHEMES } from './documentFilter';
import { initializationOptions, LaunchConfigError, LaunchPlan, planLaunch } from './launchPlan';
import { ModelLoadProgressFeature } from './modelLoadProgress';
import { DID_PARTIALLY_ACCEPT_COMPLETION, PartialAcceptParams, PartialAcceptTracker, ShownItem } from './partialAccept';
import { parseSettings, Settings } from './settings';
import { StatusBar } from './statusBar';
import { modelNameFromPath, SERVER_STATUS_NOTIFICATION, ServerStatusParams, statusFromServer } from './statusText';
import { LanguageClientWithoutToasts, ServerSession } from './serverSession';
import { connectTcp, spawnServer } from './transport';

export function readSettings(): Settings {
  const config = vscode.workspace.getConfiguration('lspcopilot');
  return parseSettings((key) => config.get(key), process.env);
}

/** True when `document` gets completions under `settings` (its language, and not a secrets-like file). */
export function wantsDocument(settings: Settings, document: vscode.TextDocument): boolean {
  return isWanted(settings, {
    languageId: document.languageId,
    path: document.uri.scheme === 'file' ? document.uri.path : document.fileName,
    scheme: document.uri.scheme,
  });
}

/**
 * Tells the server that the user accepted part of a suggestion (VS Code's accept next word / next line). The
 * acceptance statistics are the server's; this is the one place the extension sends the notification.
 */
export function sendPartialAccept(client: LanguageClientWithoutToasts | undefined, params: PartialAcceptParams): void {
  if (client?.isRunning()) {
    void client.sendNotification(DID_PARTIALLY_ACCEPT_COMPLETION, params).catch(() => undefined);
  }
}

export class ServerController implements vscode.Disposable {
  private current: ServerSession | undefined;
  /** Bumped on every start and stop; callbacks from an older session are ignored. */
  private session = 0;
  private deadSession = -1;
  private restartTimer: NodeJS.Timeout | undefined;
  private readonly policy = new CrashPolicy();
  private features: CodeActionFeatures | undefined;
  /**
   * Runs the server's lspcopilot.server.explain command (the Explain code action) in the extension
   * instead of on the server: the panel streams it. vscode-languageclient registers the server's
   * commands itself; its executeCommand middleware sends them here.
   */
  explainCommand: ((argument: unknown) => Promise<unknown>) | undefined;
  /** Called when the server says its model is ready (the acceptance statistics refresh then). */
  onReady: (() => void) | undefined;
  /** Typing rate and server latency, for waiting for a pause while the engine is slower than the typing. */
  private readonly debounce = new AdaptiveDebounce();
  /** Watches edits for VS Code's accept next word / next line on the suggestion last shown. */
  readonly partialAccepts = new PartialAcceptTracker((params) => {
    this.log.debug(`Partial acceptance: ${params.acceptedLength} of ${params.item.insertText.length} characters.`);
    sendPartialAccept(this.languageClient, params);
  });

  constructor(
    private readonly extensionPath: string,
    private readonly log: vscode.LogOutputChannel,
    private readonly status: StatusBar,
  ) {}

  get languageClient(): LanguageClientWithoutToasts | undefined {
    const client = this.current?.client;
    return client?.isRunning() ? client : undefined;
  }

  /** Starts the server for the current settings, stopping any running one first. */
  async start(): Promise<void> {
    this.cancelRestart();
    const session = ++this.session;
    this.setFeatures(NO_FEATURES);
    await this.stopCurrent();
    if (session !== this.session) {
      return; // A newer start or stop came while the old server stopped.
    }
    const settings = readSettings();
    if (!settings.enable) {
      this.status.set({ state: 'disabled', mode: settings.mode });
      this.log.info('Completions are disabled (lspcopilot.enable is false).');
      return;
    }

    // A fresh state: nothing of the previous server's (model, latency) carries over.
    this.status.set({ state: 'starting', mode: settings.mode, modelName: modelNameFromPath(settings.modelPath) });
    let plan: LaunchPlan;
    try {
      plan = planLaunch(settings, {
        extensionPath: this.extensionPath,
        homeDir: os.homedir(),
        fileExists: (file) => fs.existsSync(file),
      });
    } catch (error) {
      this.fail(errorMessage(error));
      return;
    }

    this.status.update({ where: plan.description });
    this.log.info(
      plan.kind === 'process'
        ? `Starting the server: ${plan.command} ${plan.args.join(' ')}`
        : `Connecting to the server at ${plan.host}:${plan.port}`,
    );

    const run = new ServerSession(session);
    this.current = run;
    const client = new LanguageClientWithoutToasts('lspcopilot', 'LspCopilot', this.serverOptions(plan, run), this.clientOptions(settings, session));
    run.client = client;
    // The load progress notification only; the status bar follows lspcopilot/status.
    client.registerFeature(new ModelLoadProgressFeature(client));
    client.registerFeature(new AcceptanceFeature());
    client.onNotification(SERVER_STATUS_NOTIFICATION, (params: ServerStatusParams) => this.onServerStatus(session, params));
    // Replaces the client's own handler (registered before initialize). Only a toast: the state
    // that goes with an error comes in lspcopilot/status.
    client.onNotification(ShowMessageNotification.type, (params) => this.showServerMessage(params.type, params.message));
    if (plan.kind === 'process') {
      // The server writes each log line to stderr and as window/logMessage: keep stderr, which
      // also carries what ssh or a crashing server prints before and after the connection.
      client.onNotification(LogMessageNotification.type, () => undefined);
    }

    try {
      await client.start();
    } catch (error) {
      const note = await this.onServerDied(session, error);
      if (note !== undefined) {
        this.log.warn(note);
      }
      return;
    }
    if (session !== this.session) {
      // Superseded while starting: whoever superseded it could not stop a starting client.
      await run.stop((message) => this.log.debug(message));
      return;
    }
    if (this.deadSession === session) {
      return; // It died during the handshake and a restart is already planned.
    }
    // The state stays 'starting' until the server's first lspcopilot/status (sent on initialized).
    this.log.info(`Connected (${plan.description}).`);
    // Explain and refactor show only when this server can do them.
    this.setFeatures(featuresFromCapabilities(client.initializeResult?.capabilities));
  }

  /** The user asked for a restart: forget earlier crashes. */
  async restart(): Promise<void> {
    this.policy.reset();
    await this.start();
  }

  async stop(): Promise<void> {
    this.cancelRestart();
    this.session++;
    this.setFeatures(NO_FEATURES);
    await this.stopCurrent();
  }

  async dispose(): Promise<void> {
    await this.stop();
  }

  /** Records how long a completion took, for the status bar. */
  recordLatency(ms: number): void {
    if (this.status.current.state === 'ready') {
      this.status.update({ lastLatencyMs: ms });
    }
  }

  private serverOptions(plan: LaunchPlan, run: ServerSession): ServerOptions {
    if (plan.kind === 'tcp') {
      return async () => {
        const socket = await connectTcp(plan.host, plan.port);
        run.adoptSocket(socket);
        return { reader: socket, writer: socket };
      };
    }
    return async () => {
      const child = await spawnServer(plan);
      run.adoptProcess(child, (how) => this.log.info(`The server process ${how}.`));
      return child;
    };
  }

  /** Reports the document's edits to the partial acceptance tracker (call once; dispose with the extension). */
  watchEdits(): vscode.Disposable {
    return vscode.workspace.onDidChangeTextDocument((event) => {
      const uri = event.document.uri.toString();
      for (const change of event.contentChanges) {
        this.partialAccepts.changed(uri, { start: { line: change.range.start.line, character: change.range.start.character }, rangeLength: change.rangeLength, text: change.text.replace(/\r\n/g, '\n') });
      }
    });
  }

  private clientOptions(settings: Settings, session: number): LanguageClientOptions {
    // Every document of the schemes we serve; the middleware keeps the excluded ones (languages, secrets) from the server.
    const wanted = (document: vscode.TextDocument) => wantsDocument(settings, document);
    return {
      documentSelector: SCHEMES.map((scheme) => ({ scheme })),
      initializationOptions: initializationOptions(settings, os.homedir()),
      outputChannel: this.log,
      revealOutputChannelOn: RevealOutputChannelOn.Never,
      // The server's stderr is its log: keep its lines as they are.
      stdioOptions: {
        stdout: () => undefined,
        stderr: (input, channel) => {
          readline.createInterface({ input, crlfDelay: Infinity, terminal: false }).on('line', (line) => channel.appendLine(line));
        },
      },
      errorHandler: {
        error: (_error, _message, count) => ({ action: (count ?? 0) < 3 ? ErrorAction.Continue : ErrorAction.Shutdown, handled: true }),
        closed: async () => {
          const note = await this.onServerDied(session, new Error('the connection to the server closed'));
          // The client logs this message; we restart ourselves, with backoff.
          return { action: CloseAction.DoNotRestart, handled: true, message: note ?? 'The connection to the server closed.' };
        },
      },
      initializationFailedHandler: () => false,
      middleware: {
        executeCommand: async (command, args, next) => {
          if (command === SERVER_EXPLAIN_COMMAND && this.explainCommand !== undefined) {
            return this.explainCommand(args[0]);
          }
          return next(command, args);
        },
        didOpen: (document, next) => (wanted(document) ? next(document) : Promise.resolve()),
        didChange: (event, next) => (wanted(event.document) ? next(event) : Promise.resolve()),
        didSave: (document, next) => (wanted(document) ? next(document) : Promise.resolve()),
        didClose: (document, next) => (wanted(document) ? next(document) : Promise.resolve()),
        // vscode passes a token that it cancels on the next keystroke; handing it to next() makes
        // the client send $/cancelRequest for the stale request.
        provideInlineCompletionItems: async (document, position, context, token, next) => {
          if (!wanted(document)) {
            return undefined;
          }
          // While the engine is slower than the typing, wait for a pause: the next keystroke cancels this request before any work.
          this.debounce.onRequest(performance.now());
          const wait = this.debounce.delay(settings.suggestions.maxDebounceMs);
          if (wait > 0 && !(await waitUnlessCancelled(wait, (listener) => token.onCancellationRequested(listener)))) {
            this.log.trace(`Inline completion at ${position.line + 1}:${position.character + 1}: the next keystroke came within the ${wait.toFixed(0)} ms wait.`);
            return undefined;
          }
          const started = performance.now();
          const result = await next(document, position, context, token);
          const elapsed = performance.now() - started;
          if (token.isCancellationRequested) {
            this.log.trace(`Inline completion at ${position.line + 1}:${position.character + 1} cancelled after ${elapsed.toFixed(0)} ms.`);
            this.debounce.onCancelled(elapsed);
          } else {
            const items = Array.isArray(result) ? result : (result?.items ?? []);
            this.log.debug(`Inline completion at ${position.line + 1}:${position.character + 1}: ${items.length} item(s) in ${elapsed.toFixed(0)} ms${wait > 0 ? ` after a ${wait.toFixed(0)} ms wait` : ''}.`);
            this.recordLatency(elapsed);
            this.debounce.onAnswered(elapsed);
            this.partialAccepts.shown(document.uri.toString(), { line: position.line, character: position.character }, items.map(shownItem));
          }
          return result;
        },
      },
    };
  }

  /**
   * The server died (or never started): restart it after a backoff delay, or give up after too
   * many crashes. Returns what happens, for the log, or undefined if this session is stale.
   */
  private async onServerDied(session: number, error: unknown): Promise<string | undefined> {
    if (session !== this.session || this.deadSession === session) {
      return undefined;
    }
    this.deadSession = session;
    this.setFeatures(NO_FEATURES);
    if (error instanceof LaunchConfigError) {
      this.fail(error.message);
      return error.message;
    }
    // The exit code says more than the broken pipe that usually reports the death first.
    const exit = this.current?.id === session ? await this.current.exitWithin(1_000) : undefined;
    if (session !== this.session) {
      return undefined;
    }
    const why = exit !== undefined ? `the server ${exit}` : errorMessage(error);
    const decision = this.policy.recordCrash(Date.now());
    if (!decision.restart) {
      const reason = `${why.charAt(0).toUpperCase()}${why.slice(1)}. ${decision.reason ?? ''}`.trim();
      this.fail(reason);
      return reason;
    }
    const seconds = decision.delayMs / 1000;
    const note = `The server stopped (${why}); restarting in ${seconds} s (crash ${decision.crashes} of at most 5 in 3 minutes).`;
    this.status.update({ state: 'starting', detail: note });
    this.restartTimer = setTimeout(() => {
      this.restartTimer = undefined;
      if (session === this.session) {
        void this.start();
      }
    }, decision.delayMs);
    return note;
  }

  /** The server's lspcopilot/status: the one source of the loading, ready and model error states. */
  private onServerStatus(session: number, params: ServerStatusParams): void {
    if (session !== this.session || this.deadSession === session) {
      return;
    }
    const change = statusFromServer(params);
    if (change === undefined) {
      this.log.debug(`Ignored a status the extension does not know: ${JSON.stringify(params)}`);
      return;
    }
    this.status.update(change);
    if (change.state === 'ready') {
      this.onReady?.();
    }
  }

  /** Sets the context keys that show the explain and refactor commands. */
  private setFeatures(features: CodeActionFeatures): void {
    if (this.features?.canExplain === features.canExplain && this.features?.canRefactor === features.canRefactor) {
      return;
    }
    this.features = features;
    this.log.debug(`Code actions: explain ${features.canExplain ? 'on' : 'off'}, refactor ${features.canRefactor ? 'on' : 'off'}.`);
    void vscode.commands.executeCommand('setContext', CONTEXT_KEYS.canExplain, features.canExplain);
    void vscode.commands.executeCommand('setContext', CONTEXT_KEYS.canRefactor, features.canRefactor);
  }

  private fail(message: string): void {
    this.status.update({ state: 'error', detail: message });
    this.log.error(message);
    void vscode.window.showErrorMessage(`LspCopilot: ${message}`, 'Show Log', 'Restart').then((choice) => {
      if (choice === 'Show Log') {
        this.log.show(true);
      } else if (choice === 'Restart') {
        void this.restart();
      }
    });
  }

  private showServerMessage(type: MessageType, message: string): void {
    switch (type) {
      case MessageType.Error:
        void vscode.window.showErrorMessage(message);
        break;
      case MessageType.Warning:
        void vscode.window.showWarningMessage(message);
        break;
      default:
        void vscode.window.showInformationMessage(message);
    }
  }

  private cancelRestart(): void {
    if (this.restartTimer !== undefined) {
      clearTimeout(this.restartTimer);
      this.restartTimer = undefined;
    }
  }

  private async stopCurrent(): Promise<void> {
    const run = this.current;
    this.current = undefined;
    await run?.stop((message) => this.log.debug(message));
  }
}

function errorMessage(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}

function shownItem(item: vscode.InlineCompletionItem): ShownItem {
  const insertText = typeof item.insertText === 'string' ? item.insertText : item.insertText.value;
  const range = item.range && { start: { line: item.range.start.line, character: item.range.start.character }, end: { line: item.range.end.line, character: item.range.end.character } };
  const command = item.command && { title: item.command.title, command: item.command.command, arguments: item.command.arguments };
  return { insertText, ...(range ? { range } : {}), ...(command ? { command } : {}) };
}
