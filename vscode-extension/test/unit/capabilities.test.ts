import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { coversKind, featuresFromCapabilities, NO_FEATURES } from '../../src/capabilities';

describe('featuresFromCapabilities', () => {
  it('turns both on for what our server advertises', () => {
    assert.deepEqual(
      featuresFromCapabilities({
        codeActionProvider: { codeActionKinds: ['refactor.rewrite.lspcopilot', 'quickfix'], resolveProvider: true },
        executeCommandProvider: { commands: ['lspcopilot.server.explain'] },
      }),
      { canExplain: true, canRefactor: true },
    );
  });

  it('hides both for a server with completions only, or no capabilities at all', () => {
    assert.deepEqual(featuresFromCapabilities({}), NO_FEATURES);
    assert.deepEqual(featuresFromCapabilities(undefined), NO_FEATURES);
    assert.deepEqual(featuresFromCapabilities(null), NO_FEATURES);
  });

  it('needs lspcopilot.server.explain among the commands for explain', () => {
    assert.equal(featuresFromCapabilities({ executeCommandProvider: { commands: ['other.command'] } }).canExplain, false);
    assert.equal(featuresFromCapabilities({ executeCommandProvider: { commands: 'lspcopilot.server.explain' } }).canExplain, false);
    assert.equal(featuresFromCapabilities({ executeCommandProvider: true }).canExplain, false);
  });

  it('needs code actions that resolve, of a kind that covers ours, for refactor', () => {
    const refactor = (codeActionProvider: unknown) => featuresFromCapabilities({ codeActionProvider }).canRefactor;
    assert.equal(refactor(true), false, 'a plain true has no resolve: the edit would never come');
    assert.equal(refactor({ resolveProvider: false, codeActionKinds: ['refactor.rewrite.lspcopilot'] }), false);
    assert.equal(refactor({ resolveProvider: true, codeActionKinds: ['quickfix'] }), false);
    assert.equal(refactor({ resolveProvider: true, codeActionKinds: ['refactor'] }), true);
    assert.equal(refactor({ resolveProvider: true }), true, 'no kinds listed: any kind may come');
  });
});

describe('coversKind', () => {
  it('follows the dotted hierarchy', () => {
    assert.equal(coversKind('refactor', 'refactor.rewrite.lspcopilot'), true);
    assert.equal(coversKind('refactor.rewrite.lspcopilot', 'refactor.rewrite.lspcopilot'), true);
    assert.equal(coversKind('refactor.re', 'refactor.rewrite.lspcopilot'), false);
    assert.equal(coversKind('quickfix', 'refactor.rewrite.lspcopilot'), false);
  });
});
