// A throwaway OpenSSH server on 127.0.0.1 for the ssh-mode tests: its own host key, a user key
// made here, a config on a free port, stopped at the end. Nothing outside `dir` is touched
// except /run/sshd, which sshd insists on.

import { ChildProcess, execFileSync, spawn } from 'node:child_process';
import * as fs from 'node:fs';
import * as net from 'node:net';
import * as os from 'node:os';
import * as path from 'node:path';
import { killOnExit } from './cleanup';

export interface Sshd {
  readonly port: number;
  /** user@127.0.0.1 */
  readonly target: string;
  /** ssh options that log in with the test key and trust the throwaway host key. */
  readonly clientOptions: string[];
  readonly logFile: string;
  stop(): Promise<void>;
}

const SSHD = '/usr/sbin/sshd';

/** Why a real sshd cannot run here, or undefined when it can. */
export function sshdUnavailable(): string | undefined {
  if (process.platform !== 'linux') {
    return `the ssh test needs Linux (this is ${process.platform})`;
  }
  for (const program of [SSHD, '/usr/bin/ssh', '/usr/bin/ssh-keygen']) {
    if (!fs.existsSync(program)) {
      return `${program} is missing (apt-get install -y openssh-server openssh-client)`;
    }
  }
  if (process.getuid?.() !== 0 && !fs.existsSync('/run/sshd')) {
    return '/run/sshd is missing and only root can create it';
  }
  return undefined;
}

export async function startSshd(dir: string): Promise<Sshd> {
  fs.mkdirSync(dir, { recursive: true });
  fs.mkdirSync('/run/sshd', { recursive: true, mode: 0o755 });
  const hostKey = path.join(dir, 'host_ed25519');
  const userKey = path.join(dir, 'user_ed25519');
  for (const key of [hostKey, userKey]) {
    fs.rmSync(key, { force: true });
    fs.rmSync(key + '.pub', { force: true });
    execFileSync('/usr/bin/ssh-keygen', ['-q', '-t', 'ed25519', '-N', '', '-C', 'lspcopilot-test', '-f', key]);
  }
  const authorizedKeys = path.join(dir, 'authorized_keys');
  fs.copyFileSync(userKey + '.pub', authorizedKeys);
  fs.chmodSync(authorizedKeys, 0o600);

  const port = await freePort();
  const config = path.join(dir, 'sshd_config');
  const logFile = path.join(dir, 'sshd.log');
  fs.writeFileSync(
    config,
    [
      `Port ${port}`,
      'ListenAddress 127.0.0.1',
      `HostKey ${hostKey}`,
      `AuthorizedKeysFile ${authorizedKeys}`,
      `PidFile ${path.join(dir, 'sshd.pid')}`,
      'PubkeyAuthentication yes',
      'PasswordAuthentication no',
      'KbdInteractiveAuthentication no',
      'StrictModes no',
      'UsePAM no',
      'PermitRootLogin yes',
      'LogLevel VERBOSE',
      '',
    ].join('\n'),
  );

  // -D keeps sshd in the foreground, so it is our child and ends with us.
  const child: ChildProcess = spawn(SSHD, ['-D', '-f', config, '-E', logFile], { stdio: 'ignore' });
  const forget = killOnExit(() => child.kill('SIGKILL'));
  const exited = new Promise<number | null>((resolve) => child.once('exit', (code) => resolve(code)));
  await waitForPort(port, exited, logFile);

  const user = os.userInfo().username;
  return {
    port,
    target: `${user}@127.0.0.1`,
    clientOptions: [
      '-F', '/dev/null',
      '-i', userKey,
      '-p', String(port),
      '-o', 'IdentitiesOnly=yes',
      '-o', 'StrictHostKeyChecking=no',
      '-o', 'UserKnownHostsFile=/dev/null',
      '-o', 'LogLevel=ERROR',
    ],
    logFile,
    stop: async () => {
      if (child.exitCode === null && child.signalCode === null) {
        child.kill('SIGTERM');
        await exited;
      }
      forget();
    },
  };
}

function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const probe = net.createServer();
    probe.once('error', reject);
    probe.listen(0, '127.0.0.1', () => {
      const { port } = probe.address() as net.AddressInfo;
      probe.close(() => resolve(port));
    });
  });
}

async function waitForPort(port: number, exited: Promise<number | null>, logFile: string): Promise<void> {
  let gone = false;
  void exited.then(() => (gone = true));
  for (let attempt = 0; attempt < 100; attempt++) {
    if (gone) {
      const log = fs.existsSync(logFile) ? fs.readFileSync(logFile, 'utf8') : '';
      throw new Error(`sshd exited at start: ${log.trim()}`);
    }
    const open = await new Promise<boolean>((resolve) => {
      const socket = net.connect({ host: '127.0.0.1', port }, () => {
        socket.destroy();
        resolve(true);
      });
      socket.once('error', () => resolve(false));
    });
    if (open) {
      return;
    }
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
  throw new Error(`sshd did not listen on 127.0.0.1:${port} within 5 s`);
}
