// One run of the server: its language client and what it holds open (a process or a socket),
// and how to end all of it, even half-way through starting.

import { ChildProcess } from 'node:child_process';
import * as net from 'node:net';
import { LanguageClient, State } from 'vscode-languageclient/node';
import { describeExit, terminate } from './transport';

/**
 * The controller tells the user about failures itself, once, with what to do; the client's own
 * notifications would pop up again on every restart of a crash loop, so they go to the log only.
 */
export class LanguageClientWithoutToasts extends LanguageClient {
  override error(message: string, data?: unknown, showNotification: boolean | 'force' = true): void {
    super.error(message, data, showNotification === 'force' ? false : showNotification);
  }
}

export class ServerSession {
  client: LanguageClient | undefined;
  private child: ChildProcess | undefined;
  private socket: net.Socket | undefined;
  private exit: Promise<string> | undefined;
  private stopped = false;

  /** `id` orders sessions: callbacks of an older one are ignored. */
  constructor(readonly id: number) {}

  /** Owns the server process from now on; refuses it if this session was stopped meanwhile. */
  adoptProcess(child: ChildProcess, onExit: (how: string) => void): void {
    this.exit = new Promise((resolve) =>
      child.once('exit', (code, signal) => {
        const how = describeExit(code, signal);
        onExit(how);
        resolve(how);
      }),
    );
    this.child = child;
    if (this.stopped) {
      void terminate(child);
      throw new Error('The server was stopped while it started.');
    }
  }

  adoptSocket(socket: net.Socket): void {
    this.socket = socket;
    if (this.stopped) {
      socket.destroy();
      throw new Error('The server was stopped while it started.');
    }
  }

  /** How the server process ended ("exited with code 3"), if it ends within `ms`. */
  exitWithin(ms: number): Promise<string | undefined> {
    const exit = this.exit;
    if (exit === undefined) {
      return Promise.resolve(undefined);
    }
    return new Promise((resolve) => {
      const timer = setTimeout(() => resolve(undefined), ms);
      void exit.then((how) => {
        clearTimeout(timer);
        resolve(how);
      });
    });
  }

  /** Shuts the server down politely (LSP shutdown and exit), then makes sure it is gone. */
  async stop(onError: (message: string) => void): Promise<void> {
    this.stopped = true;
    if (this.client?.state === State.Running) {
      try {
        await this.client.stop(2_000);
      } catch (error) {
        onError(`Stopping the client: ${error instanceof Error ? error.message : String(error)}`);
      }
    }
    // A client that is still starting cannot be stopped: ending its process or socket ends it.
    this.socket?.destroy();
    if (this.child !== undefined) {
      await terminate(this.child);
    }
  }
}
