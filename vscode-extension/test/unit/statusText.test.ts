import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { modelNameFromPath, StatusInfo, statusFromServer, statusText, todayFromStats, todayLine } from '../../src/statusText';

describe('statusText', () => {
  it('shows model and latency when ready', () => {
    const { text, tooltip } = statusText({ state: 'ready', mode: 'local', modelName: 'qwen', lastLatencyMs: 123.4 });
    assert.equal(text, '$(sparkle) LspCopilot: ready · qwen · 123 ms');
    assert.match(tooltip, /Last completion: 123 ms/);
  });

  it('names the connection mode when it is not local', () => {
    assert.equal(statusText({ state: 'ready', mode: 'ssh', modelName: 'qwen' }).text, '$(sparkle) LspCopilot: ready · ssh · qwen');
  });

  it('spins while loading the model', () => {
    assert.equal(statusText({ state: 'loading', mode: 'local', modelName: 'm' }).text, '$(sync~spin) LspCopilot: loading model · m');
  });

  it('puts the error detail in the tooltip', () => {
    const { text, tooltip } = statusText({ state: 'error', mode: 'tcp', detail: 'Could not connect' });
    assert.equal(text, '$(error) LspCopilot: error · tcp');
    assert.match(tooltip, /Could not connect/);
  });

  it('says disabled without other details', () => {
    assert.equal(statusText({ state: 'disabled', mode: 'ssh', lastLatencyMs: 5 }).text, '$(circle-slash) LspCopilot: disabled');
  });
});

describe('modelNameFromPath', () => {
  it('drops folders and .gguf', () => {
    assert.equal(modelNameFromPath('/models/stories260K-fim.gguf'), 'stories260K-fim');
    assert.equal(modelNameFromPath('C:\\m\\Qwen.GGUF'), 'Qwen');
    assert.equal(modelNameFromPath(''), undefined);
  });
});

describe('statusFromServer', () => {
  const starting: StatusInfo = { state: 'starting', mode: 'local', modelName: 'from-settings', detail: 'restarting in 1 s' };
  const apply = (info: StatusInfo, params: Parameters<typeof statusFromServer>[0]): StatusInfo => ({ ...info, ...statusFromServer(params) });

  it('loading: spins with the model the server names, and clears the old detail', () => {
    const info = apply(starting, { state: 'loading', model: 'qwen2.5-coder-7b.gguf' });
    assert.equal(info.state, 'loading');
    assert.equal(info.modelName, 'qwen2.5-coder-7b');
    assert.equal(info.detail, undefined);
    assert.equal(statusText(info).text, '$(sync~spin) LspCopilot: loading model · qwen2.5-coder-7b');
  });

  it('ready: shows the model the server loaded', () => {
    const info = apply({ ...starting, state: 'loading' }, { state: 'ready', model: '/models/stories260K-fim.gguf' });
    assert.deepEqual(info, { state: 'ready', mode: 'local', modelName: 'stories260K-fim', detail: undefined });
    assert.equal(statusText(info).text, '$(sparkle) LspCopilot: ready · stories260K-fim');
  });

  it('keeps the current model name when the server sends none', () => {
    assert.equal(apply(starting, { state: 'ready' }).modelName, 'from-settings');
    assert.equal(apply(starting, { state: 'loading', model: null }).modelName, 'from-settings');
    assert.equal(apply(starting, { state: 'ready', model: '' }).modelName, 'from-settings');
  });

  it('unavailable: an error whose detail is the server\'s message', () => {
    const message = 'The model file /m/x.gguf does not exist: set lspcopilot.model.path.';
    const info = apply({ ...starting, state: 'loading' }, { state: 'unavailable', model: null, message });
    assert.equal(info.state, 'error');
    assert.equal(info.detail, message);
    assert.equal(statusText(info).text, '$(error) LspCopilot: error');
    assert.match(statusText(info).tooltip, /does not exist: set lspcopilot\.model\.path/);
  });

  it('crashed: an error whose detail is the server\'s message, until the server says ready again', () => {
    const ready: StatusInfo = { state: 'ready', mode: 'ssh', modelName: 'qwen', lastLatencyMs: 80 };
    const crashed = apply(ready, { state: 'crashed', model: 'qwen.gguf', message: 'The inference worker crashed (exit 139).' });
    assert.equal(crashed.state, 'error');
    assert.equal(crashed.detail, 'The inference worker crashed (exit 139).');
    assert.equal(crashed.modelName, 'qwen');
    const again = apply(crashed, { state: 'ready', model: 'qwen.gguf' });
    assert.equal(again.state, 'ready');
    assert.equal(again.detail, undefined);
    assert.equal(statusText(again).text, '$(sparkle) LspCopilot: ready · ssh · qwen · 80 ms');
  });

  it('says something when an error comes without a message', () => {
    assert.match(apply(starting, { state: 'unavailable' }).detail ?? '', /could not be loaded/);
    assert.match(apply(starting, { state: 'crashed', message: ' ' }).detail ?? '', /crashed/);
  });

  it('ignores a state it does not know', () => {
    assert.equal(statusFromServer({ state: 'warming-up', model: 'm.gguf' }), undefined);
  });
});

describe('statusText while a code action runs', () => {
  it('spins and names the action instead of the state', () => {
    const { text, tooltip } = statusText({ state: 'ready', mode: 'local', modelName: 'qwen' }, 'explaining…');
    assert.equal(text, '$(sync~spin) LspCopilot: explaining… · qwen');
    assert.match(tooltip, /Now explaining…/);
  });
});

describe('today\'s statistics in the tooltip', () => {
  it('shows this editor\'s rate and p50 from lspcopilot/stats', () => {
    const today = todayFromStats({
      suggestions: 12,
      total: { name: 'all', served: 12, shown: 12, accepted: 2, acceptanceRate: 0.1667, p50Ms: 50 },
      editor: { name: 'Visual Studio Code', served: 8, shown: 8, accepted: 2, partiallyAccepted: 1, acceptanceRate: 0.375, p50Ms: 141.6 },
    });
    assert.deepEqual(today, { suggestions: 8, shown: 8, accepted: 3, rate: 0.375, p50Ms: 141.6, noData: false });
    const { tooltip } = statusText({ state: 'ready', mode: 'local', today });
    assert.match(tooltip, /^Today: 37\.5% accepted \(3 of 8\) · p50 142 ms$/m);
  });

  it('falls back to every editor\'s figures when this one has none today', () => {
    const today = todayFromStats({ suggestions: 3, total: { served: 3, shown: 3, accepted: 0, acceptanceRate: 0, p50Ms: 20 }, editor: null });
    assert.equal(todayLine(today!), 'Today: 0% accepted (0 of 3) · p50 20 ms');
  });

  it('says "no data from this editor" rather than 0%', () => {
    const today = todayFromStats({ suggestions: 4, total: { served: 4, shown: 0, accepted: 0, acceptanceRate: null, note: 'no data from this editor', p50Ms: 90 } });
    assert.equal(todayLine(today!), 'Today: 4 suggestion(s), acceptance: no data from this editor · p50 90 ms');
  });

  it('says when there is nothing yet, and ignores an answer without rows', () => {
    assert.equal(todayLine({ suggestions: 0, shown: 0, accepted: 0, noData: false }), 'Today: no suggestions yet');
    assert.equal(todayFromStats(null), undefined);
    assert.equal(todayFromStats({}), undefined);
  });
});
