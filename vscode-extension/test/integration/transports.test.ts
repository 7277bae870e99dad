// The extension's transports against the real server: local process, TCP (through a test
// listener until the server has its own), and ssh to a real OpenSSH server on 127.0.0.1.
// Each must give the same suggestion for the same document and position.

import assert from 'node:assert/strict';
import { ChildProcess } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { after, before, describe, it } from 'node:test';
import { pathToFileURL } from 'node:url';
import { LaunchConfigError, planLaunch } from '../../src/launchPlan';
import { parseSettings } from '../../src/settings';
import { connectTcp, spawnServer, terminate } from '../../src/transport';
import { TestLspClient } from '../support/lspClient';
import { findFimModel, onPath, realServerUnavailable, serverDll } from '../support/paths';
import { SAMPLE_PROGRAM, TYPING_LINE } from '../support/sampleProgram';
import { Sshd, sshdUnavailable, startSshd } from '../support/sshd';
import { startTcpProxy, TcpProxy } from '../support/tcpProxy';

const skipServer = realServerUnavailable();
const modelPath = 'path' in findFimModel() ? (findFimModel() as { path: string }).path : '';
const typed = '        // Once upon a time';
const text = SAMPLE_PROGRAM.split('\n').map((line, i) => (i === TYPING_LINE ? typed : line)).join('\n');
const uri = pathToFileURL(path.join(os.tmpdir(), 'lspcopilot-it', 'Program.cs')).href;
const settingsOf = (values: Record<string, unknown>) =>
  parseSettings((key) => ({ 'model.path': modelPath, 'server.path': serverDll, 'server.logLevel': 'warning', ...values })[key]);
const launchEnv = { extensionPath: '/nonexistent', homeDir: os.homedir(), fileExists: fs.existsSync };

/** Opens the sample and asks for the suggestion at the end of the typed line. */
async function suggestionOver(input: NodeJS.ReadableStream, output: NodeJS.WritableStream): Promise<{ text: string; capabilities: Record<string, unknown> }> {
  const client = new TestLspClient(input, output);
  try {
    const init = await client.initialize(null);
    await client.open(uri, 'csharp', text);
    return { text: await client.inlineCompletion(uri, TYPING_LINE, typed.length), capabilities: init.capabilities };
  } finally {
    await client.shutdown();
  }
}

async function suggestionFromProcess(values: Record<string, unknown>): Promise<string> {
  const plan = planLaunch(settingsOf(values), launchEnv);
  assert.equal(plan.kind, 'process');
  const child: ChildProcess = await spawnServer(plan as Extract<typeof plan, { kind: 'process' }>);
  let stderr = '';
  child.stderr?.setEncoding('utf8').on('data', (chunk: string) => (stderr += chunk));
  try {
    return (await suggestionOver(child.stdout!, child.stdin!)).text;
  } catch (error) {
    throw new Error(`${(error as Error).message}\nserver stderr:\n${stderr}`);
  } finally {
    await terminate(child);
  }
}

describe('transports', () => {
  it('spawnServer names the setting to fix when the program does not exist', async () => {
    await assert.rejects(
      spawnServer({ kind: 'process', mode: 'local', command: '/nonexistent/dotnet', args: [], description: '' }),
      (error: Error) => error instanceof LaunchConfigError && error.message.includes('lspcopilot.server.dotnetPath'),
    );
  });

  it('connectTcp says where it tried to connect when nothing listens', async () => {
    const proxy = await startTcpProxy('/bin/true', []);
    const port = proxy.port;
    await proxy.close();
    await assert.rejects(connectTcp('127.0.0.1', port, 2000), new RegExp(`127\\.0\\.0\\.1:${port} \\(ECONNREFUSED\\)`));
  });
});

describe('transports with the real server', { skip: skipServer }, () => {
  let local = '';
  let proxy: TcpProxy | undefined;
  let sshd: Sshd | undefined;
  let sshdDir: string | undefined;

  before(async () => {
    local = await suggestionFromProcess({});
  });

  after(async () => {
    await proxy?.close();
    await sshd?.stop();
    if (sshdDir !== undefined) {
      fs.rmSync(sshdDir, { recursive: true, force: true });
    }
  });

  it('local mode: the server advertises inline completions and suggests text', async () => {
    const plan = planLaunch(settingsOf({}), launchEnv);
    const child = await spawnServer(plan as Extract<typeof plan, { kind: 'process' }>);
    try {
      const result = await suggestionOver(child.stdout!, child.stdin!);
      assert.equal(result.capabilities.inlineCompletionProvider, true);
      assert.notEqual(result.text, '');
      assert.equal(result.text, local);
    } finally {
      await terminate(child);
    }
  });

  it('tcp mode: the same suggestion through a TCP listener', async () => {
    proxy = await startTcpProxy('dotnet', [serverDll, '--stdio', '--model', modelPath, '--log-level', 'warning']);
    const plan = planLaunch(settingsOf({ 'connection.mode': 'tcp', 'tcp.port': proxy.port }), launchEnv);
    assert.ok(plan.kind === 'tcp');
    const socket = await connectTcp(plan.host, plan.port);
    try {
      assert.equal((await suggestionOver(socket, socket)).text, local);
    } finally {
      socket.destroy();
    }
    assert.equal(proxy.accepted(), 1);
  });

  const noSsh = sshdUnavailable();
  it('ssh mode: the same suggestion from a server started through a real sshd', { skip: noSsh }, async () => {
    sshdDir = fs.mkdtempSync(path.join(os.tmpdir(), 'lspcopilot-sshd-'));
    sshd = await startSshd(sshdDir);
    const dotnet = onPath('dotnet');
    const suggestion = await suggestionFromProcess({
      'connection.mode': 'ssh',
      'ssh.target': sshd.target,
      'ssh.options': sshd.clientOptions,
      'ssh.remoteCommand': `${dotnet} ${serverDll}`,
    });
    assert.equal(suggestion, local);
  });
});
