// Waits for a pause in typing before asking the server, but only while the engine is slower than the typing:
// then the next keystroke would cancel the work anyway. It learns the typing interval (gaps between requests,
// pauses of a second or more left out) and the engine's latency (answered requests, as moving averages; a request
// cancelled after it was sent says the latency is at least that long), and counts the requests cancelled in a row
// after they were sent (in a storm of keystrokes nothing is ever answered). While the engine is slower, it waits a
// little more than one typing interval, at most the setting, until a request is answered. The server's opt-in
// debounce (AdaptiveDebounce.cs) is the same rule.

export const PAUSE_MS = 1000;
/** The wait in typing intervals: long enough that a steady typist's next keystroke comes first. */
export const INTERVALS_TO_WAIT = 1.25;
/** Requests cancelled in a row after they were sent that show the engine is slower than the typing. */
export const CANCELLED_IN_ROW_TO_WAIT = 2;
const ALPHA = 0.3;

export class AdaptiveDebounce {
  private lastRequest: number | undefined;
  private typingMs: number | undefined;
  private latencyMs: number | undefined;
  private cancelledInRow = 0;

  get typingInterval(): number | undefined {
    return this.typingMs;
  }

  get engineLatency(): number | undefined {
    return this.latencyMs;
  }

  /** A request was asked for at `now` (ms, any monotonic clock). */
  onRequest(now: number): void {
    if (this.lastRequest !== undefined) {
      const gap = now - this.lastRequest;
      if (gap > 0 && gap < PAUSE_MS) {
        this.typingMs = average(this.typingMs, gap);
      }
    }
    this.lastRequest = now;
  }

  /** The server answered (not cancelled) in `latencyMs`. */
  onAnswered(latencyMs: number): void {
    this.latencyMs = average(this.latencyMs, latencyMs);
    this.cancelledInRow = 0;
  }

  /** A request was cancelled `ranForMs` after it was sent (not one cancelled while it waited). */
  onCancelled(ranForMs: number): void {
    this.cancelledInRow++;
    if (ranForMs > (this.latencyMs ?? 0)) {
      this.latencyMs = ranForMs;
    }
  }

  /** How long to wait before asking, at most `maxMs` (0: never). */
  delay(maxMs: number): number {
    if (maxMs <= 0 || this.typingMs === undefined) {
      return 0;
    }
    const slow = this.cancelledInRow >= CANCELLED_IN_ROW_TO_WAIT || (this.latencyMs !== undefined && this.latencyMs > this.typingMs);
    if (!slow) {
      return 0;
    }
    return Math.min(maxMs, this.typingMs * INTERVALS_TO_WAIT);
  }
}

function average(current: number | undefined, sample: number): number {
  return current === undefined ? sample : current + ALPHA * (sample - current);
}

/** Resolves true after `ms`, or false as soon as `cancelled` fires (the next keystroke). */
export function waitUnlessCancelled(ms: number, onCancel: (listener: () => void) => { dispose(): void }): Promise<boolean> {
  if (ms <= 0) {
    return Promise.resolve(true);
  }
  return new Promise((resolve) => {
    const timer = setTimeout(() => {
      subscription.dispose();
      resolve(true);
    }, ms);
    const subscription = onCancel(() => {
      clearTimeout(timer);
      resolve(false);
    });
  });
}
