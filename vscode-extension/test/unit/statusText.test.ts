import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { modelNameFromPath, statusText } from '../../src/statusText';

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
