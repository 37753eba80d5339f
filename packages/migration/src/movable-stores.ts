import type { Logger } from '@polyshop/kernel';
import type { SqlDatabase } from '@polyshop/stores';
import type { MigrationSide } from './migration-side.ts';
import {
  MigrationRouter,
  phaseChangeSubscription,
  type PhaseChangeSubscription,
  type ServiceRouting,
} from './migration-router.ts';
import { MigrationStateStore } from './migration-state.ts';
import { Mirror, type MirrorResult } from './mirror.ts';
import { retryRepairs } from './verify.ts';
import { WriteGate, type GatedWrite } from './write-gate.ts';

/** A store's outbox relay (a store whose repository writes events has one). */
export interface StoreRelay {
  start(): void;
  stop(): Promise<void>;
  wake(): void;
}

/** What a service opens on one of its stores: at least its migration side and a probe. */
export interface MovableStore {
  /** The service's data on this store as the engine copies it (the mirror writes through it). */
  side: MigrationSide;
  /** Rejects when the store is unreachable (`/readyz`). */
  ping(): Promise<void>;
  /** Publishes the events this store's repository recorded (absent when it records none). */
  relay?: StoreRelay;
}

/** The store a routing names for `which` end of the move. */
export function storeOfRouting(routing: ServiceRouting, which: 'from' | 'to'): string {
  return which === 'from' ? routing.fromStore : routing.toStore;
}

export interface MovableStoresOptions<S extends MovableStore> {
  /** The engine's name for the service. */
  service: string;
  /** The control store (the platform's PostgreSQL): its `platform` tables are created when missing. */
  control: SqlDatabase;
  /** The store the service is configured on (its routing while no migration of it exists). */
  configuredStore: string;
  /** Opens one of the service's stores (called once per store; a failed open is tried again next time). */
  openStore(store: string): Promise<S>;
  /** `EventBus.subscribe`: the router then refreshes on each `migration.phase_changed` of the service. */
  subscribe?: (subscription: PhaseChangeSubscription) => Promise<void>;
  logger?: Logger;
  /** The router's refresh period (default 1000 ms). */
  refreshMs?: number;
}

/**
 * What a service's context offers `MovableStores.openFor` (the platform's `ServiceContext`): the store
 * it is configured on, the platform's PostgreSQL (the control store), its bus and logger.
 */
export interface MovableServiceContext {
  store: string;
  postgres(): Promise<SqlDatabase>;
  bus: { subscribe(subscription: PhaseChangeSubscription): Promise<void> };
  logger: Logger;
}

/** Where reads and writes of a service go now (`/readyz`). */
export interface StoresDescription {
  phase: string;
  reads: string;
  writes: string;
  mirror: string | undefined;
}

/**
 * A movable service's stores, routed by the migration engine, whatever the service keeps in them
 * (`S`: its repository, relay, side… per store). With no migration of the service only the configured
 * store is open and everything goes to it. When a migration names another store, it is opened as this
 * process learns of the phase (before any write can follow it), every open store's relay publishes
 * its own outbox, writes begin through the `WriteGate` (held through a cut-over, refused when the
 * phase is unknown) and go to the phase's source of truth (`primary`), then `mirror` copies their keys
 * to the other store (failures to the repair log), and reads go to `reader()`.
 *
 * The service's routed port (repository, index…) is built on it: `begin`, `primary`, `mirror`,
 * `reader`. It knows no service.
 */
export class MovableStores<S extends MovableStore> {
  readonly service: string;
  readonly router: MigrationRouter;
  readonly state: MigrationStateStore;
  readonly #options: MovableStoresOptions<S>;
  readonly #open = new Map<string, Promise<S>>();
  readonly #opened = new Map<string, S>();
  readonly #gate: WriteGate;
  #started = false;

  private constructor(options: MovableStoresOptions<S>, state: MigrationStateStore) {
    this.#options = options;
    this.service = options.service;
    this.state = state;
    this.router = new MigrationRouter({
      state,
      service: options.service,
      configuredStore: options.configuredStore,
      // An embedded control store (PGlite) is this process's alone: no other process can change a
      // phase behind its back, so a read queued behind a busy moment of its one connection is no
      // reason to refuse writes (seeding 1,000 products used to trip the 5 s fence).
      ...(options.control.engine === 'pglite' ? { fenceMs: Infinity } : {}),
      ...(options.refreshMs === undefined ? {} : { refreshMs: options.refreshMs }),
      ...(options.logger ? { logger: options.logger } : {}),
    });
    // before a new routing applies, the stores it names are open
    this.router.onChange(async (next) => {
      await Promise.all([this.#openStore(next.fromStore), this.#openStore(next.toStore)]);
    });
    this.#gate = new WriteGate({
      router: this.router,
      state,
      service: options.service,
      beforeRelease: (routing) => this.#repairTowards(routing),
    });
  }

  /**
   * `open` for a service in the platform: the control store is the context's PostgreSQL, the
   * configured store the context's, phase changes come over its bus and logs go to its logger.
   */
  static async openFor<S extends MovableStore>(
    context: MovableServiceContext,
    service: string,
    openStore: (store: string) => Promise<S>,
  ): Promise<MovableStores<S>> {
    return MovableStores.open<S>({
      service,
      control: await context.postgres(),
      configuredStore: context.store,
      openStore,
      subscribe: (subscription) => context.bus.subscribe(subscription),
      logger: context.logger,
    });
  }

  /** Opens the configured store and the control store, and reads the current phase. */
  static async open<S extends MovableStore>(options: MovableStoresOptions<S>): Promise<MovableStores<S>> {
    await MigrationStateStore.migrate(options.control);
    const stores = new MovableStores(options, new MigrationStateStore(options.control));
    await stores.#openStore(options.configuredStore);
    await stores.router.start();
    return stores;
  }

  /**
   * Starts a write: rejects (503) when this process cannot be sure of the phase; else the routing the
   * whole write follows, and `end` to call when it is done (see `WriteGate.begin`).
   */
  begin(): Promise<GatedWrite> {
    return this.#gate.begin();
  }

  /** The routing now. */
  routing(): ServiceRouting {
    return this.#gate.routing();
  }

  /** The open store `store`. */
  store(store: string): S {
    const opened = this.#opened.get(store);
    if (!opened) throw new Error(`the ${this.service} service's ${store} store is not open`);
    return opened;
  }

  /** The store a routing writes first (its source of truth). */
  primary(routing: ServiceRouting): S {
    return this.store(storeOfRouting(routing, routing.primary));
  }

  /** The store reads go to now. */
  reader(): S {
    const routing = this.routing();
    return this.store(storeOfRouting(routing, routing.reads));
  }

  /**
   * Copies these keys of `kind` from the routing's primary store to its mirror, after a primary write
   * committed (nothing when the routing has no mirror). Failures go to the repair log; rejects (503)
   * only when that cannot be written either.
   */
  async mirror(routing: ServiceRouting, kind: string, keys: readonly string[]): Promise<MirrorResult> {
    if (!routing.mirror || keys.length === 0) return { copied: [], failed: [] };
    const source = storeOfRouting(routing, routing.primary);
    const target = storeOfRouting(routing, routing.mirror);
    return new Mirror({
      state: this.state,
      service: this.service,
      primary: this.store(source).side,
      mirror: this.store(target).side,
      // a failed copy is repaired the way this write went, even once the source of truth flipped
      direction: { source, target },
      ...(this.#options.logger ? { logger: this.#options.logger } : {}),
    }).copy(kind, keys);
  }

  /**
   * Runs one write on the source of truth and mirrors what it touched: `work` gets the primary store
   * and returns the keys it wrote, per kind; the write gate is held until the mirror copy is done.
   */
  async write<T>(
    work: (
      primary: S,
      routing: ServiceRouting,
    ) => Promise<{ result: T; touched: Iterable<[string, string[]]> }>,
  ): Promise<T> {
    const pinned = await this.begin();
    try {
      const { result, touched } = await work(this.primary(pinned.routing), pinned.routing);
      if (pinned.routing.mirror) {
        for (const [kind, keys] of touched) await this.mirror(pinned.routing, kind, keys);
      }
      return result;
    } finally {
      pinned.end();
    }
  }

  /**
   * Has the router refresh on every `migration.phase_changed` event of the service (its poll stays the
   * fallback), and starts every open store's relay (and those of stores opened later).
   */
  async start(): Promise<void> {
    if (this.#options.subscribe) await this.#options.subscribe(phaseChangeSubscription(this.router));
    this.#started = true;
    for (const store of this.#opened.values()) store.relay?.start();
  }

  /** Publishes now: after a commit that recorded events. */
  wake(): void {
    for (const store of this.#opened.values()) store.relay?.wake();
  }

  async stop(): Promise<void> {
    this.#gate.close();
    await this.router.stop();
    await Promise.all([...this.#opened.values()].map((store) => store.relay?.stop() ?? Promise.resolve()));
  }

  /** Rejects when a store the current routing names is unreachable. */
  async ping(): Promise<void> {
    const routing = this.router.routing();
    await Promise.all(
      [...new Set([routing.fromStore, routing.toStore])].map((store) => this.store(store).ping()),
    );
  }

  /** The stores reads and writes go to now (`/readyz`). */
  describe(): StoresDescription {
    const routing = this.router.routing();
    return {
      phase: routing.phase,
      reads: storeOfRouting(routing, routing.reads),
      writes: storeOfRouting(routing, routing.primary),
      mirror: routing.mirror && storeOfRouting(routing, routing.mirror),
    };
  }

  /**
   * After the source of truth flipped and every process follows: copies to the new primary the
   * writes of the old routing whose copies to it failed (the repair log's entries to it), before the
   * write gate lets writes on it go on.
   */
  async #repairTowards(routing: ServiceRouting): Promise<void> {
    const primary = storeOfRouting(routing, routing.primary);
    const other = primary === routing.fromStore ? routing.toStore : routing.fromStore;
    if (primary === other || (await this.state.repairs.size(this.service, primary)) === 0) return;
    const sides = {
      [routing.fromStore]: this.store(routing.fromStore).side,
      [routing.toStore]: this.store(routing.toStore).side,
    };
    const result = await retryRepairs(this.state, this.service, sides[primary]!, sides[other]!, {
      stores: sides,
      target: primary,
    });
    if (result.failed > 0) {
      this.#options.logger?.warn(
        { service: this.service, store: primary, failed: result.failed },
        'writes made before the switch could not be copied to the new source of truth yet (they stay in the repair log)',
      );
    }
  }

  async #openStore(store: string): Promise<void> {
    let opening = this.#open.get(store);
    if (!opening) {
      opening = this.#options.openStore(store);
      this.#open.set(store, opening);
      opening.catch(() => this.#open.delete(store));
    }
    const opened = await opening;
    if (!this.#opened.has(store)) {
      this.#opened.set(store, opened);
      if (this.#started) opened.relay?.start();
    }
  }
}
