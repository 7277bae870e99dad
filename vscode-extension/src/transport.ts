// Opens the byte streams a launch plan describes: a spawned process (local server or ssh) or a TCP
// socket. No VS Code here, so the integration tests drive it with a plain JSON-RPC client.

import { ChildProcess, spawn } from 'node:child_process';
import * as net from 'node:net';
import { LaunchConfigError, LaunchPlan } from './launchPlan';

export type ProcessPlan = Extract<LaunchPlan, { kind: 'process' }>;

/** Spawns the server and resolves once it runs; a missing program is a configuration error. */
export async function spawnServer(plan: ProcessPlan, env: NodeJS.ProcessEnv = process.env): Promise<ChildProcess> {
  const child = spawn(plan.command, [...plan.args], { stdio: ['pipe', 'pipe', 'pipe'], env, windowsHide: true });
  await new Promise<void>((resolve, reject) => {
    child.once('spawn', resolve);
    child.once('error', (error: NodeJS.ErrnoException) => {
      if (error.code === 'ENOENT' || error.code === 'EACCES') {
        const setting = plan.mode === 'ssh' ? 'lspcopilot.ssh.path' : 'lspcopilot.server.path or lspcopilot.server.dotnetPath';
        reject(new LaunchConfigError(`Could not run "${plan.command}" (${error.code}): check ${setting}.`));
      } else {
        reject(error);
      }
    });
  });
  return child;
}

/** Connects to a server's TCP listener, failing with a message that says what to check. */
export function connectTcp(host: string, port: number, timeoutMs = 10_000): Promise<net.Socket> {
  return new Promise((resolve, reject) => {
    const socket = net.connect({ host, port });
    const fail = (why: string) => {
      socket.destroy();
      reject(new Error(`Could not connect to the LspCopilot server at ${host}:${port} (${why}). Is it running with --tcp ${host}:${port}?`));
    };
    const timer = setTimeout(() => fail(`no answer in ${timeoutMs / 1000} s`), timeoutMs);
    socket.once('connect', () => {
      clearTimeout(timer);
      socket.removeAllListeners('error');
      socket.setNoDelay(true);
      resolve(socket);
    });
    socket.once('error', (error: NodeJS.ErrnoException) => {
      clearTimeout(timer);
      fail(error.code ?? error.message);
    });
  });
}

/**
 * Ends a server process: after the LSP exit notification it should stop by itself; if it does
 * not within `graceMs`, SIGTERM, then SIGKILL.
 */
export async function terminate(child: ChildProcess, graceMs = 2_000): Promise<void> {
  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
  if (child.exitCode !== null || child.signalCode !== null) {
    return;
  }
  child.stdin?.end();
  if (await within(exited, graceMs)) {
    return;
  }
  child.kill('SIGTERM');
  if (await within(exited, 2_000)) {
    return;
  }
  child.kill('SIGKILL');
  await exited;
}

/** How a process ended, in words for the log. */
export function describeExit(code: number | null, signal: NodeJS.Signals | null): string {
  return signal ? `was killed by ${signal}` : `exited with code ${code}`;
}

function within(promise: Promise<void>, ms: number): Promise<boolean> {
  return new Promise((resolve) => {
    const timer = setTimeout(() => resolve(false), ms);
    void promise.then(() => {
      clearTimeout(timer);
      resolve(true);
    });
  });
}
