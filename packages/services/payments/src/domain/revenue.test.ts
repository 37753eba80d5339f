import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { AppError } from '@polyshop/kernel';
import { parseRevenueQuery } from './revenue.ts';

const fails = (input: Parameters<typeof parseRevenueQuery>[0], field: string) =>
  assert.throws(
    () => parseRevenueQuery(input),
    (error: unknown) => error instanceof AppError && error.kind === 'invalid_input' && error.field === field,
  );

describe('parseRevenueQuery', () => {
  it('turns months into a half-open UTC range and orders the groups', () => {
    const query = parseRevenueQuery({ from: '2026-01', to: '2026-12', groupBy: 'region,month' });
    assert.equal(query.start.toISOString(), '2026-01-01T00:00:00.000Z');
    assert.equal(query.end.toISOString(), '2027-01-01T00:00:00.000Z');
    assert.deepEqual(query.groupBy, ['month', 'region']);
    assert.deepEqual(parseRevenueQuery({ from: '2026-02', to: '2026-02' }).groupBy, ['month']);
  });

  it('names the field at fault', () => {
    fails({ from: '2026-1', to: '2026-12' }, 'from');
    fails({ from: '2026-13', to: '2026-12' }, 'from');
    fails({ to: '2026-12' }, 'from');
    fails({ from: '2026-01', to: 'december' }, 'to');
    fails({ from: '2026-05', to: '2026-04' }, 'to');
    fails({ from: '2026-01', to: '2026-12', groupBy: 'month,country' }, 'groupBy');
  });
});
