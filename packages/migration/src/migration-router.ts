import { randomUUID } from 'node:crypto';
import { AppError, type Logger } from '@polyshop/kernel';
import type { MigrationState, MigrationStateStore } from './migration-state.ts';
import { routingOf, type Phase, type Routing } from './phases.ts';

/** Where this process sends a service's reads and writes now. */
export interface ServiceRouting extends Routing {
  phase: Phase;
  /** The migration's epoch this routing belongs to (0 when no migration was ever started). */
  epoch: number;
  /** The store `from` names (the configured store when no migration exists). */
  fromStore: string;
  /** The store `to` names (the configured store when no migration exists). */
  toStore: string;
}

/** Called when the routing changed (a new epoch); the router acknowledges the epoch once it resolves. */
export type RoutingListener = (routing: ServiceRouting, previous: ServiceRouting) => void | Promise<void>;

/** Which service a router follows, in which control store, and how often it looks. */
export interface MigrationRouterOptions {
  state: MigrationStateStore;
  service: string;
  /** The store the service is configured on: its routing while no migration of it exists. */
  configuredStore: string;
  /** This process's id in the membership table (default: a random UUID). */
  processId?: string;
  /** How often the state is read and a heartbeat written (default 1000 ms). */
  refreshMs?: number;
  /**
   * After this long without a successful read and heartbeat, `assertWritable` refuses (default
   * 5000 ms). Keep it below the engine's `aliveWithinMs`, so a process the engine stops waiting for
   * has stopped writing.
   */
  fenceMs?: number;
  logger?: Logger;
}

/**
 * One process's view of one service's migration. It reads the migration from the control store
 * every `refreshMs` (and at once on `refresh()`), tells its listeners when the epoch changed, and
 * then heartbeats the epoch it has applied, which the engine waits for before the next phase.
 *
 * Fencing: a process that cannot read the control store (and write its heartbeat) for `fenceMs`
 * no longer knows the phase, so `assertWritable` throws a 503 `MIGRATION.CONTROL_UNREACHABLE`
 * rather than let it write one store only; reads may go on with the last routing.
 */
export class MigrationRouter {
  readonly processId: string;
  readonly #options: Required<Omit<MigrationRouterOptions, 'logger' | 'processId'>> & { logger?: Logger };
  #routing: ServiceRouting;
  /** `performance.now()` of the last read and heartbeat that succeeded; undefined before the first. */
  #freshAt: number | undefined;
  #lastError: unknown;
  readonly #listeners = new Set<RoutingListener>();
  #running: Promise<void> | undefined;
  #timer: NodeJS.Timeout | undefined;
  #stopped = true;

  constructor(options: MigrationRouterOptions) {
    this.processId = options.processId ?? randomUUID();
    this.#options = { refreshMs: 1000, fenceMs: 5000, ...options };
    this.#routing = idleRouting(options.configuredStore);
  }

  /** Reads the state once (rejecting if it cannot), then keeps refreshing every `refreshMs` until `stop`. */
  async start(): Promise<void> {
    this.#stopped = false;
    try {
      await this.refresh();
      const failure = this.#lastError;
      if (failure !== undefined) {
        throw failure instanceof Error
          ? failure
          : new Error('cannot read the migration state', { cause: failure });
      }
    } finally {
      this.#schedule();
    }
  }

  /**
   * Stops refreshing and leaves the membership, so the engine no longer waits for this process. Waits
   * for a refresh in progress first, listeners included.
   */
  async stop(): Promise<void> {
    this.#stopped = true;
    clearTimeout(this.#timer);
    await this.#running;
    try {
      await this.#options.state.leave(this.#options.service, this.processId);
    } catch {
      // The control store is gone: the heartbeat ages out instead.
    }
  }

  /**
   * Reads the state now (after any read in progress, so it sees every change committed before the
   * call), notifies listeners of a new epoch, and heartbeats. Never rejects: a failure is kept and
   * counts toward the fence.
   */
  async refresh(): Promise<void> {
    const previous = this.#running;
    const run = (async () => {
      await previous;
      await this.#load();
    })();
    this.#running = run;
    await run;
    if (this.#running === run) this.#running = undefined;
  }

  /** The routing this process applies now. */
  routing(): ServiceRouting {
    return this.#routing;
  }

  /** Calls `listener` at every change of epoch; returns a function that unsubscribes it. */
  onChange(listener: RoutingListener): () => void {
    this.#listeners.add(listener);
    return () => this.#listeners.delete(listener);
  }

  /**
   * Throws a 503 `MIGRATION.CONTROL_UNREACHABLE` when the control store has not been read for
   * longer than `fenceMs` (or never was): call it before every write of the service.
   */
  assertWritable(): void {
    const { fenceMs, service } = this.#options;
    const since = this.#freshAt === undefined ? Infinity : performance.now() - this.#freshAt;
    if (since <= fenceMs) return;
    throw AppError.unavailable(
      'MIGRATION.CONTROL_UNREACHABLE',
      `${service} refuses writes: the migration control store has not answered for ${
        this.#freshAt === undefined ? 'any read yet' : `${Math.round(since)} ms`
      }, so this process cannot know which stores to write.`,
      { cause: this.#lastError, details: { service } },
    );
  }

  async #load(): Promise<void> {
    const { state, service, configuredStore } = this.#options;
    try {
      const migration = await state.get(service);
      const next = migration ? routingOfState(migration) : idleRouting(configuredStore);
      const previous = this.#routing;
      if (next.epoch !== previous.epoch || next.phase !== previous.phase) {
        // Applied once every listener has taken it: a listener that fails leaves the old routing
        // (and the old epoch in the heartbeat), and the next refresh tries again.
        for (const listener of this.#listeners) await listener(next, previous);
        this.#routing = next;
      }
      await state.heartbeat(service, this.processId, this.#routing.epoch);
      this.#freshAt = performance.now();
      this.#lastError = undefined;
    } catch (error) {
      this.#lastError = error;
      this.#options.logger?.warn({ err: error, service }, 'cannot read the migration state');
    }
  }

  #schedule(): void {
    if (this.#stopped) return;
    this.#timer = setTimeout(() => {
      void this.refresh().finally(() => this.#schedule());
    }, this.#options.refreshMs);
    this.#timer.unref();
  }
}

function routingOfState(state: MigrationState): ServiceRouting {
  return {
    phase: state.phase,
    epoch: state.epoch,
    fromStore: state.fromStore,
    toStore: state.toStore,
    ...routingOf(state.phase),
  };
}

function idleRouting(store: string): ServiceRouting {
  return { phase: 'idle', epoch: 0, fromStore: store, toStore: store, ...routingOf('idle') };
}
