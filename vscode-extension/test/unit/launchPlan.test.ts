import assert from 'node:assert/strict';
import * as path from 'node:path';
import { describe, it } from 'node:test';
import { bundledServerPath, initializationOptions, LaunchConfigError, planLaunch, serverArguments } from '../../src/launchPlan';
import { parseSettings } from '../../src/settings';

const settingsOf = (values: Record<string, unknown>) => parseSettings((key) => values[key]);
const existing = (...files: string[]) => (file: string) => files.includes(file);
const env = (fileExists: (file: string) => boolean = () => true) => ({
  extensionPath: '/ext',
  homeDir: '/home/me',
  fileExists,
});

describe('planLaunch, local mode', () => {
  it('runs the bundled dll with dotnet when no server path is set', () => {
    const plan = planLaunch(settingsOf({ 'model.path': '/models/m.gguf' }), env(existing(bundledServerPath('/ext'))));
    assert.equal(plan.kind, 'process');
    assert.ok(plan.kind === 'process');
    assert.equal(plan.command, 'dotnet');
    assert.deepEqual(plan.args, [path.join('/ext', 'server', 'lspcopilot.dll'), '--stdio', '--model', '/models/m.gguf', '--log-level', 'info']);
  });

  it('passes every engine option as an argument', () => {
    const plan = planLaunch(
      settingsOf({
        'server.path': '/opt/lspcopilot/lspcopilot.dll',
        'server.dotnetPath': '/usr/share/dotnet/dotnet',
        'model.path': '/m.gguf',
        'engine.threads': 8,
        'engine.contextSize': 4096,
        'completion.maxTokens': 64,
        'server.logLevel': 'debug',
        'server.extraArgs': ['--prefill-chunk', '32'],
      }),
      env(),
    );
    assert.ok(plan.kind === 'process');
    assert.equal(plan.command, '/usr/share/dotnet/dotnet');
    assert.deepEqual(plan.args, [
      '/opt/lspcopilot/lspcopilot.dll',
      '--stdio',
      '--model', '/m.gguf',
      '--threads', '8',
      '--context-size', '4096',
      '--max-tokens', '64',
      '--log-level', 'debug',
      '--prefill-chunk', '32',
    ]);
  });

  it('runs an executable server directly', () => {
    const plan = planLaunch(settingsOf({ 'server.path': '/usr/local/bin/lspcopilot' }), env());
    assert.ok(plan.kind === 'process');
    assert.equal(plan.command, '/usr/local/bin/lspcopilot');
    assert.deepEqual(plan.args, ['--stdio', '--log-level', 'info']);
  });

  it('expands ~ in local paths', () => {
    const plan = planLaunch(settingsOf({ 'server.path': '~/lsp/lspcopilot.dll', 'model.path': '~/m.gguf' }), env());
    assert.ok(plan.kind === 'process');
    assert.deepEqual(plan.args.slice(0, 4), [path.join('/home/me', 'lsp/lspcopilot.dll'), '--stdio', '--model', path.join('/home/me', 'm.gguf')]);
  });

  it('says which setting to fix when the configured server is missing', () => {
    assert.throws(
      () => planLaunch(settingsOf({ 'server.path': '/nope/lspcopilot.dll' }), env(existing())),
      (error: Error) => error instanceof LaunchConfigError && error.message.includes('lspcopilot.server.path') && error.message.includes('/nope/lspcopilot.dll'),
    );
  });

  it('explains that no server is bundled when none is configured and none ships', () => {
    assert.throws(
      () => planLaunch(settingsOf({}), env(existing())),
      (error: Error) => error instanceof LaunchConfigError && /no bundled server/.test(error.message),
    );
  });
});

describe('planLaunch, tcp mode', () => {
  it('connects to the configured host and port', () => {
    const plan = planLaunch(settingsOf({ 'connection.mode': 'tcp', 'tcp.host': '127.0.0.2', 'tcp.port': 7777 }), env());
    assert.deepEqual(plan, { kind: 'tcp', mode: 'tcp', host: '127.0.0.2', port: 7777, description: 'tcp: 127.0.0.2:7777' });
  });

  it('asks for a port when none is set', () => {
    assert.throws(() => planLaunch(settingsOf({ 'connection.mode': 'tcp' }), env()), /lspcopilot\.tcp\.port/);
  });

  it('sends the model, generation options and token in initializationOptions', () => {
    const options = initializationOptions(
      settingsOf({ 'connection.mode': 'tcp', 'tcp.port': 1, 'tcp.authToken': 't0k', 'model.path': '~/m.gguf', 'completion.maxTokens': 32, 'completion.temperature': 0 }),
      '/home/me',
    );
    assert.deepEqual(options, { modelPath: '~/m.gguf', maxTokens: 32, temperature: 0, authToken: 't0k' });
  });

  it('passes the chat model as --chat-model and initializationOptions.chatModel', () => {
    assert.deepEqual(serverArguments(settingsOf({ 'model.path': '/m.gguf', 'model.chatPath': '/chat.gguf' })).slice(0, 5), ['--stdio', '--model', '/m.gguf', '--chat-model', '/chat.gguf']);
    assert.deepEqual(initializationOptions(settingsOf({ 'connection.mode': 'tcp', 'tcp.port': 1, 'model.chatPath': '~/chat.gguf' }), '/home/me'), { chatModel: '~/chat.gguf' });
    assert.deepEqual(initializationOptions(settingsOf({ 'model.chatPath': '~/chat.gguf' }), '/home/me'), { chatModel: path.join('/home/me', 'chat.gguf') });
  });

  it('sends the suggestion count and mode when they are not the defaults, never a server debounce', () => {
    assert.deepEqual(initializationOptions(settingsOf({ 'suggestions.count': 3, 'suggestions.mode': 'singleLine', 'suggestions.maxDebounceMs': 100 }), '/home/me'), {
      suggestions: { count: 3, mode: 'singleLine' },
    });
    assert.deepEqual(initializationOptions(settingsOf({ 'suggestions.count': 1 }), '/home/me'), {});
  });

  it('never sends the token outside tcp mode', () => {
    assert.deepEqual(initializationOptions(settingsOf({ 'tcp.authToken': 't0k', 'model.path': '~/m.gguf' }), '/home/me'), {
      modelPath: path.join('/home/me', 'm.gguf'),
    });
  });
});

describe('planLaunch, ssh mode', () => {
  it('runs ssh with the target, -- and the remote command with --stdio', () => {
    const plan = planLaunch(
      settingsOf({ 'connection.mode': 'ssh', 'ssh.target': 'gpu-box', 'model.path': '/data/models/qwen coder.gguf' }),
      env(existing()),
    );
    assert.ok(plan.kind === 'process');
    assert.equal(plan.command, 'ssh');
    const dash = plan.args.indexOf('--');
    assert.equal(plan.args[dash - 1], 'gpu-box');
    assert.deepEqual(plan.args.slice(dash + 1), ["lspcopilot --stdio --model '/data/models/qwen coder.gguf' --log-level info"]);
  });

  it('puts the user\'s ssh options before ours so that theirs win', () => {
    const plan = planLaunch(
      settingsOf({ 'connection.mode': 'ssh', 'ssh.target': 'me@box', 'ssh.options': ['-o', 'BatchMode=no', '-p', '2222'], 'ssh.path': '/usr/bin/ssh' }),
      env(),
    );
    assert.ok(plan.kind === 'process');
    assert.equal(plan.command, '/usr/bin/ssh');
    assert.deepEqual(plan.args.slice(0, 4), ['-o', 'BatchMode=no', '-p', '2222']);
    assert.ok(plan.args.indexOf('BatchMode=yes') > 3);
  });

  it('leaves ~ in the remote model path for the remote shell', () => {
    assert.deepEqual(serverArguments(settingsOf({ 'model.path': '~/m.gguf' })).slice(0, 3), ['--stdio', '--model', '~/m.gguf']);
  });

  it('refuses a missing target', () => {
    assert.throws(() => planLaunch(settingsOf({ 'connection.mode': 'ssh' }), env()), /lspcopilot\.ssh\.target/);
  });
});

describe('planLaunch, sshWorker mode (model over ssh, server here)', () => {
  it('runs the local server with --worker ssh://target and leaves the model path for the remote machine', () => {
    const plan = planLaunch(
      settingsOf({ 'connection.mode': 'sshWorker', 'ssh.target': 'me@gpu-box', 'model.path': '~/models/coder.gguf' }),
      env(existing(bundledServerPath('/ext'))),
    );
    assert.ok(plan.kind === 'process');
    assert.equal(plan.mode, 'sshWorker');
    assert.equal(plan.command, 'dotnet');
    assert.deepEqual(plan.args, [
      path.join('/ext', 'server', 'lspcopilot.dll'),
      '--stdio',
      '--model',
      '~/models/coder.gguf',
      '--log-level',
      'info',
      '--worker',
      'ssh://me@gpu-box',
    ]);
  });

  it('passes a remote command and the ssh program and options on to the server', () => {
    const plan = planLaunch(
      settingsOf({
        'connection.mode': 'sshWorker',
        'ssh.target': 'box',
        'ssh.remoteCommand': 'dotnet /opt/lspcopilot/lspcopilot.dll',
        'ssh.path': '/usr/bin/ssh',
        'ssh.options': ['-i', '/home/me/my keys/box', '-p', '2222'],
      }),
      env(),
    );
    assert.ok(plan.kind === 'process');
    const at = plan.args.indexOf('--worker');
    assert.deepEqual(plan.args.slice(at), [
      '--worker',
      'ssh://box',
      '--worker-command',
      'dotnet /opt/lspcopilot/lspcopilot.dll',
      '--ssh-command',
      '/usr/bin/ssh -i "/home/me/my keys/box" -p 2222',
    ]);
  });

  it('refuses a target that would read as an ssh option or an address with a path', () => {
    assert.throws(() => planLaunch(settingsOf({ 'connection.mode': 'sshWorker', 'ssh.target': '-oProxyCommand=x' }), env()), /lspcopilot\.ssh\.target/);
    assert.throws(() => planLaunch(settingsOf({ 'connection.mode': 'sshWorker', 'ssh.target': 'box/x' }), env()), /not a host name/);
    assert.throws(() => planLaunch(settingsOf({ 'connection.mode': 'sshWorker' }), env()), /lspcopilot\.ssh\.target is empty/);
  });

  it('needs the local server, as local mode does', () => {
    assert.throws(() => planLaunch(settingsOf({ 'connection.mode': 'sshWorker', 'ssh.target': 'box' }), env(existing())), /bundled server/);
  });
});

describe('a model server as the backend', () => {
  it('passes the backend settings to a server the extension starts', () => {
    const args = serverArguments(
      settingsOf({ 'backend.kind': 'openai', 'backend.endpoint': 'http://vllm:8000/v1', 'backend.remoteModel': 'Qwen/Qwen2.5-Coder-7B', 'backend.fimTemplate': 'qwen' }),
    );
    assert.deepEqual(args.slice(1, 9), ['--backend', 'openai', '--endpoint', 'http://vllm:8000/v1', '--remote-model', 'Qwen/Qwen2.5-Coder-7B', '--fim-template', 'qwen']);
  });

  it('sends them in initializationOptions too (a server reached over TCP reads only those)', () => {
    const options = initializationOptions(settingsOf({ 'connection.mode': 'tcp', 'backend.kind': 'ollama', 'backend.endpoint': 'http://localhost:11434' }), '/home/me');
    assert.equal(options.backend, 'ollama');
    assert.equal(options.endpoint, 'http://localhost:11434');
    assert.equal(options.remoteModel, undefined);
  });

  it('ignores an unknown kind and adds nothing by default', () => {
    assert.ok(!serverArguments(settingsOf({ 'backend.kind': 'tgi' })).includes('--backend'));
    assert.ok(!serverArguments(settingsOf({})).includes('--backend'));
  });
});
