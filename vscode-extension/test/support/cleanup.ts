// Last-resort cleanup: if the test process dies early (a timeout, an exception in a hook), the
// processes it started in their own groups would outlive it.

const pending = new Set<() => void>();
let hooked = false;

/** Runs `kill` synchronously when the process exits; returns a function that cancels that. */
export function killOnExit(kill: () => void): () => void {
  if (!hooked) {
    hooked = true;
    process.once('exit', () => {
      for (const fn of pending) {
        try {
          fn();
        } catch {
          // Best effort.
        }
      }
    });
  }
  pending.add(kill);
  return () => pending.delete(kill);
}
