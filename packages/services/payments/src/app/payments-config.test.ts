import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { ConfigError } from '@polyshop/kernel';
import { loadPaymentsConfig } from './payments-config.ts';

describe('loadPaymentsConfig', () => {
  it('defaults to a sandbox without latency or failures', () => {
    const config = loadPaymentsConfig({});
    assert.deepEqual(
      [config.PAYMENTS_GATEWAY, config.PAYMENTS_SANDBOX_LATENCY_MS, config.PAYMENTS_SANDBOX_FAILURE_RATE],
      ['sandbox', 0, 0],
    );
  });

  it('reads latency and failure rate from the environment', () => {
    const config = loadPaymentsConfig({
      PAYMENTS_SANDBOX_LATENCY_MS: '150',
      PAYMENTS_SANDBOX_FAILURE_RATE: '0.25',
    });
    assert.deepEqual([config.PAYMENTS_SANDBOX_LATENCY_MS, config.PAYMENTS_SANDBOX_FAILURE_RATE], [150, 0.25]);
  });

  it('stops start-up naming each bad variable', () => {
    assert.throws(
      () =>
        loadPaymentsConfig({
          PAYMENTS_SANDBOX_FAILURE_RATE: '1.5',
          PAYMENTS_SANDBOX_LATENCY_MS: 'slow',
          PAYMENTS_GATEWAY: 'stripe',
        }),
      (error: unknown) =>
        error instanceof ConfigError &&
        ['PAYMENTS_SANDBOX_FAILURE_RATE', 'PAYMENTS_SANDBOX_LATENCY_MS', 'PAYMENTS_GATEWAY'].every((v) =>
          error.variables.includes(v),
        ),
    );
  });
});
