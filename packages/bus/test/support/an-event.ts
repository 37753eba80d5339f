import { createEvent, systemClock, type EventEnvelope } from '@polyshop/kernel';

/** A test event: `test.happened` on aggregate `thing/t-1` unless told otherwise. */
export function anEvent(
  overrides: { type?: string; aggregateId?: string; data?: Record<string, unknown> } = {},
): EventEnvelope {
  return createEvent(
    'tests',
    {
      type: overrides.type ?? 'test.happened',
      aggregateType: 'thing',
      aggregateId: overrides.aggregateId ?? 't-1',
      data: overrides.data ?? {},
    },
    systemClock,
  );
}
