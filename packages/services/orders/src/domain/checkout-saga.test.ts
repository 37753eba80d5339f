import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import {
  isTerminal,
  nextStep,
  onFailure,
  SAGA_STATES,
  stateBefore,
  type SagaState,
} from './checkout-saga.ts';

function walk(from: SagaState): SagaState[] {
  const path: SagaState[] = [from];
  let state = from;
  while (!isTerminal(state)) {
    state = nextStep(state)!.next;
    path.push(state);
  }
  return path;
}

describe('checkout saga state machine', () => {
  it('goes forward reserve → authorize → commit → capture → confirm', () => {
    assert.deepEqual(walk('started'), [
      'started',
      'stock_reserved',
      'payment_authorized',
      'stock_committed',
      'payment_captured',
      'confirmed',
    ]);
    assert.deepEqual(
      walk('started')
        .slice(0, -1)
        .map((state) => nextStep(state)!.step),
      ['reserve_stock', 'authorize_payment', 'commit_stock', 'capture_payment', 'confirm_order'],
    );
  });

  it('compensates in reverse: void, release, fail', () => {
    assert.deepEqual(walk('compensating'), ['compensating', 'payment_voided', 'stock_released', 'failed']);
  });

  it('cancels: refund, return stock, cancel', () => {
    assert.deepEqual(walk('cancelling'), ['cancelling', 'payment_refunded', 'stock_returned', 'cancelled']);
  });

  it('has a step for every state but the terminal ones, and each step belongs to one state', () => {
    for (const state of SAGA_STATES) {
      const plan = nextStep(state);
      assert.equal(plan === undefined, isTerminal(state), state);
      if (plan) assert.equal(stateBefore(plan.step), state);
    }
  });

  it('skips undo steps a rejection proves unnecessary', () => {
    assert.equal(onFailure('started', 'rejected'), 'stock_released'); // out of stock: nothing held, nothing charged
    assert.equal(onFailure('stock_reserved', 'rejected'), 'payment_voided'); // declined: release the stock only
  });

  it('undoes everything on a refusal before capture, including after the stock was committed', () => {
    for (const state of ['started', 'stock_reserved', 'payment_authorized', 'stock_committed'] as const) {
      assert.equal(onFailure(state, 'refused'), 'compensating', state);
    }
  });

  it('never turns back once money is taken, nor in the middle of compensation or cancellation', () => {
    for (const state of [
      'payment_captured',
      'compensating',
      'payment_voided',
      'stock_released',
      'cancelling',
      'payment_refunded',
      'stock_returned',
    ] as const) {
      assert.equal(onFailure(state, 'refused'), 'retry', state);
    }
  });

  it('retries transient failures wherever they happen', () => {
    for (const state of SAGA_STATES.filter((s) => !isTerminal(s)))
      assert.equal(onFailure(state, 'transient'), 'retry');
  });
});
