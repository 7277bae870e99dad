import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { AdaptiveDebounce, INTERVALS_TO_WAIT, waitUnlessCancelled } from '../../src/adaptiveDebounce';

/** Requests `gapMs` apart on a synthetic clock, then one answer of `latencyMs`. */
function typing(gapMs: number, keys: number, latencyMs?: number): AdaptiveDebounce {
  const debounce = new AdaptiveDebounce();
  for (let i = 0; i < keys; i++) {
    debounce.onRequest(1000 + i * gapMs);
  }
  if (latencyMs !== undefined) {
    debounce.onAnswered(latencyMs);
  }
  return debounce;
}

describe('AdaptiveDebounce', () => {
  it('waits a little more than one keystroke when the engine is slower than the typing', () => {
    assert.equal(typing(50, 10, 200).delay(300), 50 * INTERVALS_TO_WAIT);
  });

  it('does not wait when the engine keeps up', () => {
    assert.equal(typing(200, 10, 40).delay(300), 0);
  });

  it('never waits longer than the setting, and not at all when it is 0', () => {
    assert.equal(typing(600, 10, 2000).delay(300), 300);
    assert.equal(typing(50, 10, 200).delay(0), 0);
  });

  it('learns nothing from pauses, and waits for nothing before it has learned', () => {
    assert.equal(typing(5000, 5, 200).typingInterval, undefined);
    assert.equal(typing(50, 10).delay(300), 0);
  });
});

describe('AdaptiveDebounce in a storm', () => {
  it('waits after requests are cancelled in a row once sent, until one is answered', () => {
    const debounce = typing(50, 10);
    debounce.onCancelled(10);
    assert.equal(debounce.delay(300), 0);
    debounce.onCancelled(10);
    assert.equal(debounce.delay(300), 50 * INTERVALS_TO_WAIT);
    debounce.onAnswered(20);
    assert.equal(debounce.delay(300), 0);
  });

  it('takes a cancelled request that ran longer than the typing as the latency', () => {
    const debounce = typing(50, 10, 20);
    debounce.onCancelled(80);
    assert.equal(debounce.engineLatency, 80);
    assert.notEqual(debounce.delay(300), 0);
  });
});

describe('waitUnlessCancelled', () => {
  it('stops waiting as soon as the request is cancelled', async () => {
    let cancel: () => void = () => undefined;
    const waiting = waitUnlessCancelled(60_000, (listener) => {
      cancel = listener;
      return { dispose: () => undefined };
    });
    cancel();
    assert.equal(await waiting, false);
  });

  it('does not wait at all for 0', async () => {
    assert.equal(await waitUnlessCancelled(0, () => ({ dispose: () => undefined })), true);
  });
});
