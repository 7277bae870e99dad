import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { parseSettings } from '../../src/settings';

const from = (values: Record<string, unknown>, env: NodeJS.ProcessEnv = {}) => parseSettings((key) => values[key], env);

describe('parseSettings', () => {
  it('gives the defaults when nothing is set', () => {
    const settings = from({});
    assert.equal(settings.enable, true);
    assert.deepEqual(settings.languages, ['*']);
    assert.ok(settings.excludeLanguages.includes('plaintext') && settings.excludeLanguages.includes('markdown'));
    assert.ok(settings.excludeFiles.includes('**/.env'));
    assert.deepEqual(settings.suggestions, { count: 1, mode: 'auto', maxDebounceMs: 300 });
    assert.equal(settings.mode, 'local');
    assert.equal(settings.server.dotnetPath, 'dotnet');
    assert.equal(settings.server.logLevel, 'info');
    assert.equal(settings.tcp.host, '127.0.0.1');
    assert.equal(settings.ssh.remoteCommand, 'lspcopilot');
    assert.equal(settings.threads, undefined);
  });

  it('falls back to local for an unknown mode', () => {
    assert.equal(from({ 'connection.mode': 'carrier-pigeon' }).mode, 'local');
  });

  it('keeps configured languages and falls back to every language for an empty list', () => {
    assert.deepEqual(from({ languages: ['csharp', 'fsharp'] }).languages, ['csharp', 'fsharp']);
    assert.deepEqual(from({ languages: [] }).languages, ['*']);
  });

  it('reads the suggestion settings and falls back for values out of range', () => {
    assert.deepEqual(from({ 'suggestions.count': 3, 'suggestions.mode': 'multiLine', 'suggestions.maxDebounceMs': 0 }).suggestions, { count: 3, mode: 'multiLine', maxDebounceMs: 0 });
    assert.deepEqual(from({ 'suggestions.count': 4, 'suggestions.mode': 'paragraph', 'suggestions.maxDebounceMs': -1 }).suggestions, { count: 1, mode: 'auto', maxDebounceMs: 300 });
    assert.equal(from({ 'suggestions.count': 1.5 }).suggestions.count, 1);
  });

  it('ignores numbers that make no sense', () => {
    const settings = from({ 'engine.threads': 0, 'engine.contextSize': -5, 'completion.maxTokens': 2.5, 'completion.temperature': -1 });
    assert.equal(settings.threads, undefined);
    assert.equal(settings.contextSize, undefined);
    assert.equal(settings.maxTokens, undefined);
    assert.equal(settings.temperature, undefined);
  });

  it('takes the TCP token from LSPCOPILOT_TOKEN when the setting is empty', () => {
    assert.equal(from({}, { LSPCOPILOT_TOKEN: 'secret' }).tcp.authToken, 'secret');
    assert.equal(from({ 'tcp.authToken': 'mine' }, { LSPCOPILOT_TOKEN: 'secret' }).tcp.authToken, 'mine');
  });
});
