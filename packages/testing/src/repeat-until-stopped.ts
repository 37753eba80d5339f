/**
 * Runs `round` again and again in the background, `pauseMs` after each, until `stop` — which
 * resolves once the round in flight has ended (and rejects with a round's failure). For load a
 * test keeps up while something else happens (writers during a migration).
 */
export function repeatUntilStopped(round: () => Promise<void>, pauseMs: number): { stop(): Promise<void> } {
  let running = true;
  const loop = (async () => {
    while (running) {
      await round();
      await new Promise((resolve) => setTimeout(resolve, pauseMs));
    }
  })();
  return {
    async stop() {
      running = false;
      await loop;
    },
  };
}
