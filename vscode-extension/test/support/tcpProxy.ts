// A stand-in for the server's TCP listener until it has one: each connection gets its own
// `lspcopilot --stdio` process, with the socket piped to its stdin and stdout. It reads the LSP
// messages going both ways, so tests can check what went over the wire and when.

import { ChildProcess, spawn } from 'node:child_process';
import * as net from 'node:net';
import { killOnExit } from './cleanup';

export interface LspMessage {
  readonly id?: number | string;
  readonly method?: string;
  readonly params?: { id?: number | string } & Record<string, unknown>;
}

export interface TcpProxy {
  readonly port: number;
  /** Connections accepted so far. */
  readonly accepted: () => number;
  /** Messages clients sent, in order. */
  readonly clientMessages: () => readonly LspMessage[];
  /** Waits for a request with this method that the client sent and has had no answer to yet; returns its id. */
  waitForPendingRequest(method: string, timeoutMs: number): Promise<number | string>;
  /** Waits for a client message that matches. */
  waitForClientMessage(match: (message: LspMessage) => boolean, timeoutMs: number): Promise<LspMessage>;
  close(): Promise<void>;
}

export interface TcpProxyOptions {
  /** Holds every server → client message this long, like a slow link to a remote box. */
  readonly responseDelayMs?: number;
  readonly onStderr?: (chunk: string) => void;
}

export async function startTcpProxy(command: string, args: readonly string[], options: TcpProxyOptions = {}): Promise<TcpProxy> {
  const { responseDelayMs = 0, onStderr } = options;
  const children = new Set<ChildProcess>();
  const forget = killOnExit(() => children.forEach((child) => child.kill('SIGKILL')));
  const fromClient: LspMessage[] = [];
  const answered = new Set<string>();
  let accepted = 0;

  const server = net.createServer((socket) => {
    accepted++;
    const child = spawn(command, [...args], { stdio: ['pipe', 'pipe', 'pipe'] });
    children.add(child);
    child.stderr.setEncoding('utf8').on('data', (chunk: string) => onStderr?.(chunk));
    const clientFrames = new FrameReader((message) => fromClient.push(message));
    const serverFrames = new FrameReader((message) => {
      if (message.id !== undefined && message.method === undefined) {
        answered.add(String(message.id));
      }
    });
    socket.on('data', (chunk: Buffer) => {
      clientFrames.push(chunk);
      child.stdin.write(chunk);
    });
    child.stdout.on('data', (chunk: Buffer) => {
      const forward = () => {
        serverFrames.push(chunk);
        socket.write(chunk);
      };
      // Equal delays keep the chunks in order.
      if (responseDelayMs > 0) {
        setTimeout(forward, responseDelayMs);
      } else {
        forward();
      }
    });
    socket.on('error', () => child.kill());
    socket.on('close', () => child.stdin.end());
    child.stdin.on('error', () => undefined);
    child.on('exit', () => {
      children.delete(child);
      socket.destroy();
    });
  });
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => resolve());
  });
  const port = (server.address() as net.AddressInfo).port;

  const waitFor = async <T>(what: string, find: () => T | undefined, timeoutMs: number): Promise<T> => {
    const deadline = Date.now() + timeoutMs;
    for (;;) {
      const found = find();
      if (found !== undefined) {
        return found;
      }
      if (Date.now() > deadline) {
        throw new Error(`The TCP listener never saw ${what} within ${timeoutMs / 1000} s.`);
      }
      await new Promise((resolve) => setTimeout(resolve, 10));
    }
  };

  return {
    port,
    accepted: () => accepted,
    clientMessages: () => fromClient,
    waitForPendingRequest: (method, timeoutMs) =>
      waitFor(
        `an unanswered ${method} request`,
        () => fromClient.find((m) => m.method === method && m.id !== undefined && !answered.has(String(m.id)))?.id,
        timeoutMs,
      ),
    waitForClientMessage: (match, timeoutMs) => waitFor('the expected message', () => fromClient.find(match), timeoutMs),
    close: async () => {
      const closed = new Promise<void>((resolve) => server.close(() => resolve()));
      // Ending the children closes their sockets, which lets the listener finish closing.
      for (const child of children) {
        child.kill();
      }
      await closed;
      forget();
    },
  };
}

/** Splits a byte stream into LSP messages (Content-Length framing). */
class FrameReader {
  private buffer = Buffer.alloc(0);

  constructor(private readonly onMessage: (message: LspMessage) => void) {}

  push(chunk: Buffer): void {
    this.buffer = Buffer.concat([this.buffer, chunk]);
    for (;;) {
      const headerEnd = this.buffer.indexOf('\r\n\r\n');
      if (headerEnd < 0) {
        return;
      }
      const length = Number(/Content-Length:\s*(\d+)/i.exec(this.buffer.subarray(0, headerEnd).toString('ascii'))?.[1]);
      if (!Number.isFinite(length) || this.buffer.length < headerEnd + 4 + length) {
        return;
      }
      const body = this.buffer.subarray(headerEnd + 4, headerEnd + 4 + length).toString('utf8');
      this.buffer = this.buffer.subarray(headerEnd + 4 + length);
      try {
        this.onMessage(JSON.parse(body) as LspMessage);
      } catch {
        // Not JSON: not ours to judge here.
      }
    }
  }
}
