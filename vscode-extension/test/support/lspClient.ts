// A minimal LSP client over any pair of streams, to ask the real server directly what it
// suggests (the reference the editor's ghost text is compared with).

import {
  createMessageConnection,
  MessageConnection,
  StreamMessageReader,
  StreamMessageWriter,
} from 'vscode-languageserver-protocol/node';

export interface InlineItem {
  insertText: string | { value: string };
  range?: { start: { line: number; character: number }; end: { line: number; character: number } };
}

export class TestLspClient {
  readonly connection: MessageConnection;
  readonly notifications: { method: string; params: unknown }[] = [];

  constructor(input: NodeJS.ReadableStream, output: NodeJS.WritableStream) {
    this.connection = createMessageConnection(new StreamMessageReader(input), new StreamMessageWriter(output));
    this.connection.onNotification((method, params) => {
      this.notifications.push({ method, params });
    });
    this.connection.onRequest('window/workDoneProgress/create', () => null);
    this.connection.listen();
  }

  async initialize(rootUri: string | null, initializationOptions: Record<string, unknown> = {}): Promise<{ capabilities: Record<string, unknown> }> {
    const result = await this.connection.sendRequest<{ capabilities: Record<string, unknown> }>('initialize', {
      processId: process.pid,
      rootUri,
      capabilities: { textDocument: { inlineCompletion: { dynamicRegistration: false } }, window: { workDoneProgress: true } },
      clientInfo: { name: 'lspcopilot-tests', version: '0' },
      initializationOptions,
    });
    await this.connection.sendNotification('initialized', {});
    return result;
  }

  async open(uri: string, languageId: string, text: string): Promise<void> {
    await this.connection.sendNotification('textDocument/didOpen', { textDocument: { uri, languageId, version: 1, text } });
  }

  /** The first inline suggestion's text at a position ('' when there is none). */
  async inlineCompletion(uri: string, line: number, character: number): Promise<string> {
    const result = await this.connection.sendRequest<{ items: InlineItem[] } | InlineItem[] | null>('textDocument/inlineCompletion', {
      textDocument: { uri },
      position: { line, character },
      context: { triggerKind: 2 },
    });
    const items = Array.isArray(result) ? result : (result?.items ?? []);
    const first = items[0]?.insertText;
    return typeof first === 'string' ? first : (first?.value ?? '');
  }

  async shutdown(): Promise<void> {
    try {
      await this.connection.sendRequest('shutdown');
      await this.connection.sendNotification('exit');
    } catch {
      // The server may already be gone; the caller ends the process anyway.
    }
    this.connection.dispose();
  }
}
