// A stand-in for the server's TCP listener until it has one: each connection gets its own
// `lspcopilot --stdio` process, with the socket piped to its stdin and stdout.

import { ChildProcess, spawn } from 'node:child_process';
import * as net from 'node:net';
import { killOnExit } from './cleanup';

export interface TcpProxy {
  readonly port: number;
  /** Connections accepted so far. */
  readonly accepted: () => number;
  /** Everything clients sent, to check what went over the wire. */
  readonly clientTraffic: () => string;
  close(): Promise<void>;
}

export interface TcpProxyOptions {
  /** Holds every server → client chunk this long, like a slow link to a remote box. */
  readonly responseDelayMs?: number;
  readonly onStderr?: (chunk: string) => void;
}

export async function startTcpProxy(command: string, args: readonly string[], options: TcpProxyOptions = {}): Promise<TcpProxy> {
  const { responseDelayMs = 0, onStderr } = options;
  const children = new Set<ChildProcess>();
  const forget = killOnExit(() => children.forEach((child) => child.kill('SIGKILL')));
  let accepted = 0;
  let traffic = '';
  const server = net.createServer((socket) => {
    accepted++;
    const child = spawn(command, [...args], { stdio: ['pipe', 'pipe', 'pipe'] });
    children.add(child);
    child.stderr.setEncoding('utf8').on('data', (chunk: string) => onStderr?.(chunk));
    socket.on('data', (chunk: Buffer) => {
      traffic += chunk.toString('utf8');
    });
    socket.pipe(child.stdin);
    if (responseDelayMs > 0) {
      // Equal delays keep the chunks in order.
      child.stdout.on('data', (chunk: Buffer) => setTimeout(() => socket.write(chunk), responseDelayMs));
    } else {
      child.stdout.pipe(socket);
    }
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
  return {
    port,
    accepted: () => accepted,
    clientTraffic: () => traffic,
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
