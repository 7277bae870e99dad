// A scripted LSP server whose "model load" lasts until the test says so, to watch the extension
// show the server's load progress. (The real server loads the tiny test models in ~50 ms, too
// fast to see.) It sends what the real server sends: lspcopilot/status "loading" and
// window/workDoneProgress/create, then $/progress begin "Loading <model>…"; once the release file
// exists, $/progress end "Ready: <model>" and lspcopilot/status "ready".
//
//   node slowLoadingServer.js <release file> <model name>

import * as fs from 'node:fs';

const [releaseFile, modelName] = process.argv.slice(2);
let buffer = Buffer.alloc(0);
let nextId = 1;

function send(message: object): void {
  const body = Buffer.from(JSON.stringify({ jsonrpc: '2.0', ...message }), 'utf8');
  process.stdout.write(`Content-Length: ${body.length}\r\n\r\n`);
  process.stdout.write(body);
}

function onMessage(message: { id?: number | string; method?: string }): void {
  switch (message.method) {
    case 'initialize':
      send({ id: message.id, result: { capabilities: { inlineCompletionProvider: true, textDocumentSync: 1 }, serverInfo: { name: 'slow-loading test server' } } });
      break;
    case 'initialized':
      send({ method: 'lspcopilot/status', params: { state: 'loading', model: modelName } });
      send({ id: `create-${nextId++}`, method: 'window/workDoneProgress/create', params: { token: 'lspcopilot/model-load/test' } });
      break;
    case 'textDocument/inlineCompletion':
      send({ id: message.id, result: { items: [] } });
      break;
    case 'shutdown':
      send({ id: message.id, result: null });
      break;
    case 'exit':
      process.exit(0);
      break;
    case undefined:
      // The answer to our create request: the load "starts".
      if (String(message.id).startsWith('create-')) {
        send({ method: '$/progress', params: { token: 'lspcopilot/model-load/test', value: { kind: 'begin', title: 'LspCopilot', message: `Loading ${modelName}…` } } });
        const timer = setInterval(() => {
          if (fs.existsSync(releaseFile)) {
            clearInterval(timer);
            send({ method: '$/progress', params: { token: 'lspcopilot/model-load/test', value: { kind: 'end', message: `Ready: ${modelName}` } } });
            send({ method: 'lspcopilot/status', params: { state: 'ready', model: modelName } });
          }
        }, 20);
      }
      break;
    default:
      if (message.id !== undefined) {
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
    onMessage(JSON.parse(body) as { id?: number | string; method?: string });
  }
});
process.stdin.on('end', () => process.exit(0));
