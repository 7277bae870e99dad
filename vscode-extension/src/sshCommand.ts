// Builds the ssh command line for ssh mode. ssh joins everything after the target into one string
// that the remote login shell parses, so every argument we add is quoted for a POSIX shell there.

export interface SshSettings {
  readonly path: string;
  readonly target: string;
  readonly remoteCommand: string;
  readonly options: readonly string[];
}

export class SshConfigError extends Error {}

const SAFE_WORD = /^[A-Za-z0-9_@%+=:,./-]+$/;

/** Quotes one word so that a POSIX shell reads it back unchanged; `~/` stays the remote home. */
export function shellQuote(word: string): string {
  if (word.includes('\0')) {
    throw new SshConfigError('An argument for the remote command contains a NUL character.');
  }
  if (word === '') {
    return "''";
  }
  if (SAFE_WORD.test(word)) {
    return word;
  }
  if (word.startsWith('~/')) {
    const rest = word.slice(2);
    return rest === '' ? '~/' : '~/' + shellQuote(rest);
  }
  return "'" + word.replace(/'/g, `'\\''`) + "'";
}

/**
 * Arguments for `ssh`: the user's options first (ssh keeps the first value it sees for an
 * option, so theirs win over our defaults), then the target, `--`, and the remote command line.
 */
export function sshArguments(ssh: SshSettings, serverArgs: readonly string[]): string[] {
  const target = ssh.target.trim();
  if (target === '') {
    throw new SshConfigError(
      'Connection mode is ssh but lspcopilot.ssh.target is empty: set it to a host from your ssh config or user@host.',
    );
  }
  if (target.startsWith('-') || /[\s\0-\x1f\x7f]/.test(target)) {
    throw new SshConfigError(
      `lspcopilot.ssh.target "${target}" is not a host name: it must not start with "-" or contain spaces or control characters. Put ssh options in lspcopilot.ssh.options.`,
    );
  }
  const remote = ssh.remoteCommand.trim();
  if (remote === '') {
    throw new SshConfigError('lspcopilot.ssh.remoteCommand is empty: set it to the server command on the remote machine, e.g. "lspcopilot".');
  }
  if (/[\r\n\0]/.test(remote)) {
    throw new SshConfigError('lspcopilot.ssh.remoteCommand must be one line.');
  }
  const commandLine = [remote, ...serverArgs.map(shellQuote)].join(' ');
  return [
    ...ssh.options,
    // No terminal (it would garble LSP frames), never prompt (nobody can answer), fail fast.
    '-T',
    '-o',
    'BatchMode=yes',
    '-o',
    'ConnectTimeout=15',
    '-o',
    'ServerAliveInterval=30',
    target,
    '--',
    commandLine,
  ];
}

/** `ssh://TARGET` for the server's `--worker` (the model's worker on another machine); the target is checked as for ssh mode. */
export function sshWorkerAddress(target: string): string {
  const trimmed = target.trim();
  if (trimmed === '') {
    throw new SshConfigError(
      'Connection mode is sshWorker but lspcopilot.ssh.target is empty: set it to a host from your ssh config or user@host.',
    );
  }
  if (trimmed.startsWith('-') || /[\s\0-\x1f\x7f/'"]/.test(trimmed)) {
    throw new SshConfigError(
      `lspcopilot.ssh.target "${trimmed}" is not a host name: it must not start with "-" or contain spaces, quotes, slashes or control characters. Put ssh options in lspcopilot.ssh.options.`,
    );
  }
  return `ssh://${trimmed}`;
}

/** The server's `--ssh-command`: the ssh program and options as one line its splitter reads back (quotes group words). */
export function sshCommandLine(program: string, options: readonly string[]): string {
  return [program, ...options]
    .map((word) => {
      if (/^[^\s'"]+$/.test(word)) {
        return word;
      }
      if (!word.includes('"')) {
        return `"${word}"`;
      }
      if (!word.includes("'")) {
        return `'${word}'`;
      }
      throw new SshConfigError(`The ssh setting "${word}" has both kinds of quotes; the server cannot pass it on.`);
    })
    .join(' ');
}
