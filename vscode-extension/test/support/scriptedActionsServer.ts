// A scripted LSP server with code actions, to see the refactor preview and Apply in VS Code. (The
// tiny test model writes stories, never code, so the real server always refuses its refactors.)
// It advertises what the real server does (resolvable refactor.rewrite.lspcopilot actions, the
// lspcopilot.server.explain command), lists the `instructions` action for any range, and resolves
// it, once data.instruction is set, to an edit of line 9 that writes the instruction into the
// WriteLine call, annotated needsConfirmation like the real server's edits.
//
//   node scriptedActionsServer.js <model name>

const [modelName] = process.argv.slice(2);
let buffer = Buffer.alloc(0);
const versions = new Map<string, number>();
const lines = new Map<string, string[]>();

function send(message: object): void {
  const body = Buffer.from(JSON.stringify({ jsonrpc: '2.0', ...message }), 'utf8');
  process.stdout.write(`Content-Length: ${body.length}\r\n\r\n`);
  process.stdout.write(body);
}

interface Message {
  id?: number | string;
  method?: string;
  params?: any; // eslint-disable-line @typescript-eslint/no-explicit-any
}

function onMessage(message: Message): void {
  const params = message.params;
  switch (message.method) {
    case 'initialize':
      send({
        id: message.id,
        result: {
          capabilities: {
            inlineCompletionProvider: true,
            textDocumentSync: 1,
            codeActionProvider: { codeActionKinds: ['refactor.rewrite.lspcopilot', 'quickfix'], resolveProvider: true },
            executeCommandProvider: { commands: ['lspcopilot.server.explain'] },
          },
          serverInfo: { name: 'scripted code actions test server' },
        },
      });
      break;
    case 'initialized':
      send({ method: 'lspcopilot/status', params: { state: 'ready', model: modelName } });
      break;
    case 'textDocument/didOpen':
      versions.set(params.textDocument.uri, params.textDocument.version);
      lines.set(params.textDocument.uri, String(params.textDocument.text).split('\n'));
      break;
    case 'textDocument/didChange':
      versions.set(params.textDocument.uri, params.textDocument.version);
      lines.set(params.textDocument.uri, String(params.contentChanges[params.contentChanges.length - 1].text).split('\n'));
      break;
    case 'textDocument/inlineCompletion':
      send({ id: message.id, result: { items: [] } });
      break;
    case 'textDocument/codeAction': {
      const uri = params.textDocument.uri;
      send({
        id: message.id,
        result: [
          {
            title: 'Refactor with instructions…',
            kind: 'refactor.rewrite.lspcopilot',
            data: { uri, range: params.range, version: versions.get(uri) ?? 0, actionId: 'instructions' },
          },
        ],
      });
      break;
    }
    case 'codeAction/resolve': {
      const data = params.data ?? {};
      if (typeof data.instruction !== 'string' || data.instruction === '') {
        send({ id: message.id, error: { code: -32602, message: 'Refactor with instructions needs data.instruction.' } });
        break;
      }
      const line = 8;
      const old = lines.get(data.uri)?.[line] ?? '';
      send({
        id: message.id,
        result: {
          ...params,
          edit: {
            documentChanges: [
              {
                textDocument: { uri: data.uri, version: data.version },
                edits: [
                  {
                    range: { start: { line, character: 0 }, end: { line, character: old.length } },
                    newText: `        Console.WriteLine("${data.instruction}");`,
                    annotationId: 'lspcopilot',
                  },
                ],
              },
            ],
            changeAnnotations: { lspcopilot: { label: 'LspCopilot refactor', needsConfirmation: true } },
          },
        },
      });
      break;
    }
    case 'shutdown':
      send({ id: message.id, result: null });
      break;
    case 'exit':
      process.exit(0);
      break;
    default:
      if (message.id !== undefined && message.method !== undefined) {
        send({ id: message.id, error: { code: -32601, message: `${message.method} is not scripted` } });
      }
  }
}

process.stdin.on('data', (chunk: Buffer) => {
  buffer = Buffer.concat([buffer, chunk]);
  for (;;) {
    const headerEnd = buffer.indexOf('\r\n\r\n');
    if (headerEnd < 0) {
      return;
    }
    const length = Number(/Content-Length:\s*(\d+)/i.exec(buffer.subarray(0, headerEnd).toString('ascii'))?.[1]);
    if (buffer.length < headerEnd + 4 + length) {
      return;
    }
    const body = buffer.subarray(headerEnd + 4, headerEnd + 4 + length).toString('utf8');
    buffer = buffer.subarray(headerEnd + 4 + length);
    onMessage(JSON.parse(body) as Message);
  }
});
process.stdin.on('end', () => process.exit(0));
