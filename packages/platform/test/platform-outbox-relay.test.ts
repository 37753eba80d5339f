import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import type { EventEnvelope } from '@polyshop/kernel';
import { MigrationStateStore, PHASE_CHANGED, type PhaseChangedData } from '@polyshop/migration';
import { eventually } from '@polyshop/testing';
import { createTestPlatform, type TestPlatform } from '@polyshop/platform/testing';

describe('the platform host relays platform.outbox to the bus', () => {
  let platform: TestPlatform;
  const heard: EventEnvelope[] = [];
  before(async () => {
    platform = await createTestPlatform({ target: 'pglite', services: ['users'] });
    await platform.bus.subscribe({
      consumer: 'test.phase-changes',
      types: [PHASE_CHANGED],
      handler: async (event) => void heard.push(event),
    });
  });
  after(() => platform?.dispose());

  it('publishes a phase change made in the control store by anyone (engine, CLI) as migration.phase_changed', async () => {
    const state = new MigrationStateStore(await platform.postgres());
    await state.start('products', 'postgres', 'mongodb');
    await state.advance('products', 'dual-write');
    const events = await eventually(() => heard.length >= 2 && heard, {
      message: 'both phase changes on the bus',
    });
    assert.deepEqual(
      events.map((event) => {
        const data = event.data as PhaseChangedData;
        return [data.service, data.fromPhase, data.toPhase, data.epoch];
      }),
      [
        ['products', 'idle', 'dual-write', 1],
        ['products', 'dual-write', 'backfill', 2],
      ],
    );
  });
});
