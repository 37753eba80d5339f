/** A background loop started by `repeatUntilStopped`. */
export interface RepeatingLoop {
  /** Ends the loop; resolves once the round in flight has ended (rejects with a round's failure). */
  stop(): Promise<void>;
  /** Runs no further round until `resume`; resolves once the round in flight has ended. */
  pause(): Promise<void>;
  resume(): void;
}

/**
 * Runs `round` again and again in the background, `pauseMs` after each, until `stop` — which
 * resolves once the round in flight has ended (and rejects with a round's failure). For load a
 * test keeps up while something else happens (writers during a migration); `pause` holds it for a
 * step that needs the stores quiet for a moment.
 */
export function repeatUntilStopped(round: () => Promise<void>, pauseMs: number): RepeatingLoop {
  let running = true;
  let paused = false;
  let current: Promise<void> | undefined;
  const loop = (async () => {
    while (running) {
      if (!paused) {
        current = round();
        await current;
      }
      await new Promise((resolve) => setTimeout(resolve, pauseMs));
    }
  })();
  return {
    async stop() {
      running = false;
      await loop;
    },
    async pause() {
      paused = true;
      // a round that fails is reported by `stop`; here it has ended either way
      await current?.catch(() => undefined);
    },
    resume() {
      paused = false;
    },
  };
}
