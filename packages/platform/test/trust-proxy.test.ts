import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { ConfigError } from '@polyshop/kernel';
import { trustedProxies } from '../src/trust-proxy.ts';

describe('TRUST_PROXY', () => {
  it('trusts no proxy when unset or blank', () => {
    assert.deepEqual(trustedProxies(undefined), []);
    assert.deepEqual(trustedProxies('  '), []);
  });

  it('takes addresses, CIDR ranges and proxy-addr names, comma-separated', () => {
    assert.deepEqual(trustedProxies('127.0.0.1, 10.0.0.0/8,::1,fd00::/8,loopback'), [
      '127.0.0.1',
      '10.0.0.0/8',
      '::1',
      'fd00::/8',
      'loopback',
    ]);
  });

  it('stops start-up naming the variable for anything else (trusting everyone is not an option)', () => {
    for (const value of ['true', '*', '10.0.0.0/33', '10.0.0.1/8/1', 'proxy.local', '1']) {
      assert.throws(
        () => trustedProxies(value),
        (error: unknown) => error instanceof ConfigError && error.variables.includes('TRUST_PROXY'),
        value,
      );
    }
  });
});
