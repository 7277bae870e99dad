// Settings → how to reach the server: a process to spawn (local or through ssh) or a TCP address.
// Pure, so that every mode's command line is unit-tested without VS Code.

import * as path from 'node:path';
import { Settings } from './settings';
import { SshConfigError, sshArguments, sshCommandLine, sshWorkerAddress } from './sshCommand';

export type LaunchPlan =
  | {
      readonly kind: 'process';
      readonly mode: 'local' | 'ssh' | 'sshWorker';
      readonly command: string;
      readonly args: readonly string[];
      /** For the log and the status tooltip. */
      readonly description: string;
    }
  | {
      readonly kind: 'tcp';
      readonly mode: 'tcp';
      readonly host: string;
      readonly port: number;
      readonly description: string;
    };

/** A setting that makes launching impossible; the message says which one and what to do. */
export class LaunchConfigError extends Error {}

export interface LaunchEnvironment {
  readonly extensionPath: string;
  readonly homeDir: string;
  readonly fileExists: (file: string) => boolean;
}

/** Where `npm run package` puts the server build inside the extension. */
export function bundledServerPath(extensionPath: string): string {
  return path.join(extensionPath, 'server', 'lspcopilot.dll');
}

/** The server's command-line arguments for the settings (model path as seen by the server's machine). */
export function serverArguments(settings: Settings, expandHome: (p: string) => string = (p) => p): string[] {
  const args = ['--stdio'];
  if (settings.modelPath !== '') {
    args.push('--model', expandHome(settings.modelPath));
  }
  if (settings.chatModelPath !== '') {
    args.push('--chat-model', expandHome(settings.chatModelPath));
  }
  if (settings.threads !== undefined) {
    args.push('--threads', String(settings.threads));
  }
  if (settings.contextSize !== undefined) {
    args.push('--context-size', String(settings.contextSize));
  }
  if (settings.maxTokens !== undefined) {
    args.push('--max-tokens', String(settings.maxTokens));
  }
  if (settings.backend.kind !== '') {
    // The server talks to a model server instead of loading a GGUF; the URL is as seen from the server's machine.
    args.push('--backend', settings.backend.kind);
    if (settings.backend.endpoint !== '') {
      args.push('--endpoint', settings.backend.endpoint);
    }
    if (settings.backend.remoteModel !== '') {
      args.push('--remote-model', settings.backend.remoteModel);
    }
    if (settings.backend.fimTemplate !== '') {
      args.push('--fim-template', settings.backend.fimTemplate);
    }
  }
  args.push('--log-level', settings.server.logLevel, ...settings.server.extraArgs);
  return args;
}

export function planLaunch(settings: Settings, env: LaunchEnvironment): LaunchPlan {
  switch (settings.mode) {
    case 'tcp':
      return planTcp(settings);
    case 'ssh':
      return planSsh(settings);
    case 'sshWorker':
      return planSshWorker(settings, env);
    default:
      return planLocal(settings, env);
  }
}

function planLocal(settings: Settings, env: LaunchEnvironment, extra?: { readonly args: readonly string[]; readonly mode: 'sshWorker'; readonly description: string }): LaunchPlan {
  const expand = (p: string) => expandHome(p, env.homeDir);
  const configured = settings.server.path !== '';
  const server = configured ? expand(settings.server.path) : bundledServerPath(env.extensionPath);
  if (!env.fileExists(server)) {
    throw new LaunchConfigError(
      configured
        ? `lspcopilot.server.path is "${settings.server.path}", but there is no file at ${server}. Point it at lspcopilot.dll or the lspcopilot executable.`
        : 'This build of the extension has no bundled server. Set lspcopilot.server.path to lspcopilot.dll ' +
          '(dotnet build server/LspCopilot.Server -c Release), or use connection mode tcp or ssh.',
    );
  }
  // The model of a worker on another machine is a path there: `~` is that machine's.
  const args = extra === undefined ? serverArguments(settings, expand) : [...serverArguments(settings), ...extra.args];
  const mode = extra?.mode ?? 'local';
  const description = extra?.description ?? `local: ${server}`;
  // A .dll needs the dotnet host; anything else is an executable (the apphost or a wrapper script).
  if (server.toLowerCase().endsWith('.dll')) {
    return { kind: 'process', mode, command: expand(settings.server.dotnetPath), args: [server, ...args], description };
  }
  return { kind: 'process', mode, command: server, args, description };
}

/**
 * The server here (Roslyn sees the whole workspace) and only the model's worker on another machine, through the
 * user's own ssh: `lspcopilot --stdio --worker ssh://TARGET [--worker-command …] [--ssh-command …]`.
 */
function planSshWorker(settings: Settings, env: LaunchEnvironment): LaunchPlan {
  try {
    const address = sshWorkerAddress(settings.ssh.target);
    const args = ['--worker', address];
    const remote = settings.ssh.remoteCommand.trim();
    // The server's default already tries lspcopilot on the PATH and ~/.dotnet/tools.
    if (remote !== '' && remote !== 'lspcopilot') {
      args.push('--worker-command', remote);
    }
    if (settings.ssh.path !== 'ssh' || settings.ssh.options.length > 0) {
      args.push('--ssh-command', sshCommandLine(settings.ssh.path, settings.ssh.options));
    }
    return planLocal(settings, env, { args, mode: 'sshWorker', description: `model over ssh: ${settings.ssh.target.trim()}` });
  } catch (error) {
    if (error instanceof SshConfigError) {
      throw new LaunchConfigError(error.message);
    }
    throw error;
  }
}

function planTcp(settings: Settings): LaunchPlan {
  const { host, port } = settings.tcp;
  if (port < 1 || port > 65535) {
    throw new LaunchConfigError(
      'Connection mode is tcp but lspcopilot.tcp.port is not set: set it to the port the server listens on (lspcopilot --tcp HOST:PORT).',
    );
  }
  return { kind: 'tcp', mode: 'tcp', host, port, description: `tcp: ${host}:${port}` };
}

function planSsh(settings: Settings): LaunchPlan {
  try {
    // The model path is on the remote machine: `~` is left for the remote shell to expand.
    const args = sshArguments(settings.ssh, serverArguments(settings));
    return {
      kind: 'process',
      mode: 'ssh',
      command: settings.ssh.path,
      args,
      description: `ssh: ${settings.ssh.target}`,
    };
  } catch (error) {
    if (error instanceof SshConfigError) {
      throw new LaunchConfigError(error.message);
    }
    throw error;
  }
}

/** What the server reads from `initialize` (the only way to configure a server reached over TCP). */
export function initializationOptions(settings: Settings, homeDir: string): Record<string, unknown> {
  const options: Record<string, unknown> = {};
  if (settings.modelPath !== '') {
    // Only a local server shares our home directory.
    options.modelPath = settings.mode === 'local' ? expandHome(settings.modelPath, homeDir) : settings.modelPath;
  }
  if (settings.chatModelPath !== '') {
    options.chatModel = settings.mode === 'local' ? expandHome(settings.chatModelPath, homeDir) : settings.chatModelPath;
  }
  if (settings.maxTokens !== undefined) {
    options.maxTokens = settings.maxTokens;
  }
  if (settings.temperature !== undefined) {
    options.temperature = settings.temperature;
  }
  if (settings.backend.kind !== '') {
    options.backend = settings.backend.kind;
    if (settings.backend.endpoint !== '') {
      options.endpoint = settings.backend.endpoint;
    }
    if (settings.backend.remoteModel !== '') {
      options.remoteModel = settings.backend.remoteModel;
    }
    if (settings.backend.fimTemplate !== '') {
      options.fimTemplate = settings.backend.fimTemplate;
    }
  }
  if (settings.mode === 'tcp' && settings.tcp.authToken !== '') {
    options.authToken = settings.tcp.authToken;
  }
  // The extension waits for typing pauses itself: the server's own debounce (suggestions.debounceMs) stays off.
  if (settings.suggestions.count !== 1 || settings.suggestions.mode !== 'auto') {
    options.suggestions = { count: settings.suggestions.count, mode: settings.suggestions.mode };
  }
  return options;
}

export function expandHome(p: string, homeDir: string): string {
  if (p === '~') {
    return homeDir;
  }
  return p.startsWith('~/') ? path.join(homeDir, p.slice(2)) : p;
}
