import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { describe, it } from 'node:test';
import { shellQuote, SshConfigError, sshArguments } from '../../src/sshCommand';

const ssh = { path: 'ssh', target: 'box', remoteCommand: 'lspcopilot', options: [] as string[] };

/** What a real POSIX shell makes of the quoted words: one argument per line of output, NUL-separated. */
function shellReadsBack(words: string[]): string[] {
  const script = `for a in ${words.map(shellQuote).join(' ')}; do printf '%s\\0' "$a"; done`;
  const out = execFileSync('/bin/sh', ['-c', script], { encoding: 'utf8', env: { HOME: '/home/remote' } });
  return out.split('\0').slice(0, -1);
}

describe('shellQuote', () => {
  it('leaves plain words alone', () => {
    assert.equal(shellQuote('--model'), '--model');
    assert.equal(shellQuote('/data/m-1.5b_q4.gguf'), '/data/m-1.5b_q4.gguf');
  });

  it('quotes the empty string', () => {
    assert.equal(shellQuote(''), "''");
  });

  it('round-trips hostile words through a real shell', () => {
    const words = [
      'a b',
      "it's",
      '$(touch /tmp/pwned)',
      '`id`',
      '; rm -rf /',
      '"double"',
      'back\\slash',
      'new\nline',
      '*',
      '$HOME',
      "''",
      'tab\there',
      'üñí',
      '-',
      '',
    ];
    assert.deepEqual(shellReadsBack(words), words);
  });

  it('keeps ~/ as the remote home and quotes the rest', () => {
    assert.equal(shellQuote('~/models/a b.gguf'), "~/'models/a b.gguf'");
    assert.deepEqual(shellReadsBack(['~/models/a b.gguf']), ['/home/remote/models/a b.gguf']);
  });

  it('refuses NUL, which no argument can carry', () => {
    assert.throws(() => shellQuote('a\0b'), SshConfigError);
  });
});

describe('sshArguments', () => {
  it('never asks for a password or a terminal', () => {
    const args = sshArguments(ssh, ['--stdio']);
    assert.ok(args.includes('-T'));
    assert.ok(args.includes('BatchMode=yes'));
  });

  it('ends with target, -- and one remote command line', () => {
    const args = sshArguments({ ...ssh, remoteCommand: 'dotnet /opt/lsp/lspcopilot.dll' }, ['--stdio', '--model', "/m/it's.gguf"]);
    assert.deepEqual(args.slice(-3), ['box', '--', "dotnet /opt/lsp/lspcopilot.dll --stdio --model '/m/it'\\''s.gguf'"]);
  });

  it('refuses a target that ssh would read as an option', () => {
    assert.throws(() => sshArguments({ ...ssh, target: '-oProxyCommand=touch /tmp/x' }, []), /must not start with "-"/);
  });

  it('refuses a target with spaces', () => {
    assert.throws(() => sshArguments({ ...ssh, target: 'box other' }, []), SshConfigError);
  });

  it('refuses an empty remote command', () => {
    assert.throws(() => sshArguments({ ...ssh, remoteCommand: '  ' }, []), /remoteCommand/);
  });
});
