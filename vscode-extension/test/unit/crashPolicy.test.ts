import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { CrashPolicy } from '../../src/crashPolicy';

const MINUTE = 60_000;

describe('CrashPolicy', () => {
  it('restarts after each of the first four crashes with doubling delays', () => {
    const policy = new CrashPolicy();
    const delays = [0, 1, 2, 3].map((i) => policy.recordCrash(i * 1000));
    assert.deepEqual(delays.map((d) => d.restart), [true, true, true, true]);
    assert.deepEqual(delays.map((d) => d.delayMs), [1000, 2000, 4000, 8000]);
  });

  it('stops at the fifth crash within three minutes and says why', () => {
    const policy = new CrashPolicy();
    for (let i = 0; i < 4; i++) {
      policy.recordCrash(i * 30_000);
    }
    const fifth = policy.recordCrash(2.5 * MINUTE);
    assert.equal(fifth.restart, false);
    assert.equal(fifth.crashes, 5);
    assert.match(fifth.reason ?? '', /5 times in 3 minutes/);
    assert.match(fifth.reason ?? '', /Restart Server/);
  });

  it('forgets crashes older than three minutes', () => {
    const policy = new CrashPolicy();
    for (let i = 0; i < 4; i++) {
      policy.recordCrash(i * 1000);
    }
    // The crashes at 0 s and 1 s have aged out; those at 2 s and 3 s have not.
    const later = policy.recordCrash(3 * MINUTE + 1500);
    assert.equal(later.restart, true);
    assert.equal(later.crashes, 3);
  });

  it('caps the delay', () => {
    const policy = new CrashPolicy({ maxCrashes: 100, windowMs: MINUTE, baseDelayMs: 1000, maxDelayMs: 5000 });
    let last = policy.recordCrash(0);
    for (let i = 1; i < 10; i++) {
      last = policy.recordCrash(i);
    }
    assert.equal(last.delayMs, 5000);
  });

  it('starts over after a reset', () => {
    const policy = new CrashPolicy();
    for (let i = 0; i < 4; i++) {
      policy.recordCrash(i);
    }
    policy.reset();
    const next = policy.recordCrash(10);
    assert.equal(next.restart, true);
    assert.equal(next.crashes, 1);
    assert.equal(next.delayMs, 1000);
  });
});
