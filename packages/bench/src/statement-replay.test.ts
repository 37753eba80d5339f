import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import type { RecordedUnit } from './statement-recorder.ts';
import { freshUnits } from './statement-replay.ts';

const order = '0b6f6c4e-6a58-4b7e-9d0c-3f1f2a7c9e11';
const transaction = 'sbx_ch_4930e390dfba40828995b6c68bb5f1ad';
const fingerprint = 'a'.repeat(64);

const recorded: RecordedUnit[] = [
  {
    transaction: true,
    statements: [
      { text: 'INSERT INTO orders (id) VALUES ($1)', params: [order], rows: 1 },
      {
        text: 'INSERT INTO sandbox_transactions (id, order_id, fingerprint) VALUES ($1, $2, $3)',
        params: [transaction, order, fingerprint],
        rows: 1,
      },
    ],
  },
  { transaction: false, statements: [{ text: 'SELECT $1::text[]', params: [[transaction, 7]], rows: 1 }] },
];

describe('statement replay', () => {
  it('gives every made-up id a new one of its form, the same id the same way, and leaves other values', () => {
    const [first, second] = [freshUnits(recorded), freshUnits(recorded)];
    const [insertOrder, insertTransaction] = first[0]!.statements;
    const newOrder = insertOrder!.params[0] as string;
    const [newTransaction, sameOrder, sameFingerprint] = insertTransaction!.params as string[];
    assert.match(newOrder, /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/);
    assert.notEqual(newOrder, order);
    assert.match(newTransaction!, /^sbx_ch_[0-9a-f]{32}$/);
    assert.notEqual(newTransaction, transaction);
    assert.equal(sameOrder, newOrder);
    assert.equal(sameFingerprint, fingerprint);
    assert.deepEqual(first[1]!.statements[0]!.params, [[newTransaction, 7]]);
    assert.notEqual(second[0]!.statements[0]!.params[0], newOrder);
    assert.equal(recorded[0]!.statements[0]!.params[0], order, 'the recording itself is unchanged');
  });
});
