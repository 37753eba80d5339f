import { after, before, describe } from 'node:test';
import { ManualClock, type EventEnvelope } from '@polyshop/kernel';
import type { MongoFeature } from '@polyshop/testing';
import type { ProductsDeps } from '../../src/app/products-deps.ts';
import type { ProductRepository } from '../../src/ports/product-repository.ts';
import { categoryContract } from './category-contract.ts';
import { crudContract } from './crud-contract.ts';
import { filterContract } from './filter-contract.ts';
import { listingJsonContract } from './listing-json-contract.ts';
import { facetAndPaginationContract } from './facet-pagination-contract.ts';
import { facetUpkeepContract } from './facet-upkeep-contract.ts';

/** One adapter under test: a repository on an empty store, and a view of the events it recorded. */
export interface ProductRepositoryFixture {
  repository: ProductRepository;
  /** Events the repository recorded with its writes (its outbox), oldest first. */
  recordedEvents(): Promise<EventEnvelope[]>;
  /** A description of the store's structure (tables, columns, indexes): must not change when categories do. */
  schemaFingerprint(): Promise<string>;
  close(): Promise<void>;
}

/**
 * The store features a case needs, as its `it`/`describe` options: a skip naming the missing feature
 * where the store lacks one (`{ skip: 'not supported on FerretDB: Decimal128' }`), never a silent pass.
 */
export type Needs = (...features: MongoFeature[]) => { skip: string | false };

/** What every part of the contract works with. */
export interface ContractContext {
  fixture: ProductRepositoryFixture;
  repository: ProductRepository;
  clock: ManualClock;
  deps: ProductsDeps;
}

/**
 * The ProductRepository contract: every adapter (PostgreSQL now, MongoDB later) must pass it
 * unchanged. It drives the catalog's use cases over the repository, so it pins down the whole
 * behaviour a store must give: CRUD, optimistic concurrency, category validation, attributes added
 * without migration, every filter kind, facet counts (against a brute-force count over generated
 * data), keyset pagination stable under concurrent inserts, exact prices.
 */
export function productRepositoryContract(
  name: string,
  open: () => Promise<ProductRepositoryFixture>,
  options: {
    skip?: string | false;
    /** Why the store cannot run a case that needs these features (`false`: it can); every case runs when absent. */
    unsupported?: (features: readonly MongoFeature[]) => string | false;
  } = {},
): void {
  const needs: Needs = (...features) => ({ skip: options.unsupported?.(features) ?? false });
  describe(`ProductRepository contract on ${name}`, { skip: options.skip ?? false }, () => {
    let context: ContractContext | undefined;
    before(async () => {
      const fixture = await open();
      const clock = new ManualClock('2026-03-01T10:00:00.000Z');
      context = {
        fixture,
        repository: fixture.repository,
        clock,
        deps: { repository: fixture.repository, clock },
      };
    });
    after(async () => {
      await context?.fixture.close();
    });
    const get = (): ContractContext => {
      if (!context) throw new Error('fixture not opened');
      return context;
    };
    categoryContract(get, needs);
    crudContract(get, needs);
    filterContract(get, needs);
    facetAndPaginationContract(get, needs);
    facetUpkeepContract(get, needs);
    listingJsonContract(get, needs);
  });
}
