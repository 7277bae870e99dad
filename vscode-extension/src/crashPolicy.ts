// When the server dies: restart it with growing delays, and give up after too many crashes in a
// short time, since a server that crashes at once would otherwise restart forever.

export interface CrashDecision {
  readonly restart: boolean;
  /** How long to wait before restarting (0 when not restarting). */
  readonly delayMs: number;
  /** Crashes inside the window, this one included. */
  readonly crashes: number;
  /** Why the server is not restarted, for the user. */
  readonly reason?: string;
}

export interface CrashPolicyOptions {
  readonly maxCrashes: number;
  readonly windowMs: number;
  readonly baseDelayMs: number;
  readonly maxDelayMs: number;
}

export const DEFAULT_CRASH_POLICY: CrashPolicyOptions = {
  maxCrashes: 5,
  windowMs: 3 * 60_000,
  baseDelayMs: 1_000,
  maxDelayMs: 30_000,
};

export class CrashPolicy {
  private crashTimes: number[] = [];

  constructor(private readonly options: CrashPolicyOptions = DEFAULT_CRASH_POLICY) {}

  /** Records a crash at `now` (ms) and decides what to do. */
  recordCrash(now: number): CrashDecision {
    const { maxCrashes, windowMs, baseDelayMs, maxDelayMs } = this.options;
    this.crashTimes = this.crashTimes.filter((t) => now - t < windowMs);
    this.crashTimes.push(now);
    const crashes = this.crashTimes.length;
    if (crashes >= maxCrashes) {
      const minutes = Math.round(windowMs / 60_000);
      return {
        restart: false,
        delayMs: 0,
        crashes,
        reason:
          `The LspCopilot server stopped unexpectedly ${crashes} times in ${minutes} minute${minutes === 1 ? '' : 's'}, ` +
          'so it will not be restarted. See "LspCopilot: Show Server Log" for the cause, fix it, then run "LspCopilot: Restart Server".',
      };
    }
    return { restart: true, delayMs: Math.min(maxDelayMs, baseDelayMs * 2 ** (crashes - 1)), crashes };
  }

  /** Forgets past crashes (after the user restarts the server on purpose). */
  reset(): void {
    this.crashTimes = [];
  }
}
