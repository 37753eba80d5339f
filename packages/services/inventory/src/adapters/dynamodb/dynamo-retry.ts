import { setTimeout as sleep } from 'node:timers/promises';

/**
 * Waits before retry `attempt` (1, 2, …): exponential from 5 ms, capped at 250 ms, with full jitter so
 * that writers who collided do not collide again in step.
 */
export function backoff(attempt: number): Promise<void> {
  const cap = Math.min(250, 5 * 2 ** Math.min(attempt, 10));
  return sleep(Math.floor(Math.random() * cap));
}
