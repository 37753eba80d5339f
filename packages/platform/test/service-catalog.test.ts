import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { findServiceDefinition, serviceDefinitions, serviceNames, serviceUrl } from '@polyshop/platform';

describe('the service catalog', () => {
  it('lists each service once, with its own prefix and default port', () => {
    assert.equal(new Set(serviceNames).size, serviceDefinitions.length);
    assert.equal(new Set(serviceDefinitions.map((d) => d.prefix)).size, serviceDefinitions.length);
    assert.equal(new Set(serviceDefinitions.map((d) => d.defaultPort)).size, serviceDefinitions.length);
    for (const definition of serviceDefinitions) {
      assert.equal(definition.prefix, `/${definition.name}`);
    }
  });

  it('every service runs on PostgreSQL (Phase 1) and its polyglot store is one it supports', () => {
    for (const { name, stores } of serviceDefinitions) {
      assert.ok(stores.supported.includes('postgres'), `${name} supports postgres`);
      assert.ok(stores.supported.includes(stores.polyglot), `${name}'s polyglot store is supported`);
      assert.match(stores.variable, /^[A-Z]+_STORE$/);
    }
  });

  it('creates a service after the services it needs', () => {
    serviceDefinitions.forEach((definition, index) => {
      for (const needed of definition.needs ?? []) {
        const at = serviceNames.indexOf(needed);
        assert.ok(at >= 0 && at < index, `${definition.name} comes after ${needed}`);
      }
    });
  });

  it('finds a service by name and reaches it at POLYSHOP_<NAME>_URL or its default port', () => {
    const orders = findServiceDefinition('orders');
    assert.ok(orders);
    assert.equal(findServiceDefinition('basket'), undefined);
    assert.equal(serviceUrl(orders, {}), `http://127.0.0.1:${orders.defaultPort}`);
    assert.equal(serviceUrl(orders, { POLYSHOP_ORDERS_URL: 'http://orders:8080' }), 'http://orders:8080');
  });
});
