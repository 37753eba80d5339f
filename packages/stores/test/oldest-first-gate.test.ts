import { it } from 'node:test';
import assert from 'node:assert/strict';
import { OldestFirstGate } from '../src/postgres/oldest-first-gate.ts';
import { runAsWorkFrom } from '../src/index.ts';

/** Keeps the thread busy for `ms`, as a PGlite statement does (it runs synchronously). */
function spin(ms: number) {
  const end = performance.now() + ms;
  while (performance.now() < end);
}

it('serves the oldest work first, arrival order among equals, one unit at a time', async () => {
  const gate = new OldestFirstGate();
  const ran: string[] = [];
  let running = 0;
  const unit = (name: string, origin: number) =>
    runAsWorkFrom(origin, () =>
      gate.run(async () => {
        assert.equal(++running, 1, 'one unit at a time');
        await Promise.resolve();
        ran.push(name);
        running--;
      }),
    );
  // the first takes the connection; the others queue by origin
  await Promise.all([
    unit('first', 50),
    unit('new', 30),
    unit('old', 10),
    unit('old too', 10),
    unit('mid', 20),
  ]);
  assert.deepEqual(ran, ['first', 'old', 'old too', 'mid', 'new']);
});

it('lets the event loop turn while a long queue of units is served', async () => {
  const gate = new OldestFirstGate();
  let done = 0;
  let doneWhenTimerFired: number | undefined;
  setTimeout(() => (doneWhenTimerFired = done), 0);
  // 200 units of 1 ms queued at once: handed over as one chain of microtasks, no timer could fire
  // (nor a socket be read) before the last ended
  await Promise.all(
    Array.from({ length: 200 }, () =>
      gate.run(async () => {
        spin(1);
        done++;
      }),
    ),
  );
  assert.equal(done, 200);
  assert.ok(
    doneWhenTimerFired !== undefined && doneWhenTimerFired < 200,
    `timer fired after ${doneWhenTimerFired} units`,
  );
});
