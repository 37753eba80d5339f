import type { Clock } from '@polyshop/kernel';
import type { SqlDatabase, StoreChoice, StoreKind } from '@polyshop/stores';
import { MigrationStateStore, type MigrationState } from '@polyshop/migration';
import { currentStore } from '../migration/migration-sides.ts';
import type { Advice, Evidence, ServiceAdvice } from './advice-schema.ts';
import type { AdviceThresholds } from './advice-thresholds.ts';
import { windowEnding, type AdviceWindow } from './advice-window.ts';
import { catalogueEvidence } from './catalogue-evidence.ts';
import { inventoryEvidence } from './inventory-evidence.ts';
import { notificationsEvidence } from './notifications-evidence.ts';
import type { LiveMetrics } from './live-metrics.ts';
import { searchEvidence } from './search-evidence.ts';

/** A service as the advisor sees it: its name and the stores it may run on. */
export interface AdvisedService {
  name: string;
  stores: StoreChoice;
}

/** Where the advisor reads its evidence. */
export interface AdvisorSources {
  /** The platform's PostgreSQL (every PostgreSQL service's schema, the migration control store). */
  postgres: () => Promise<SqlDatabase>;
  /** `pglite` without `DATABASE_URL`, else `postgres`: what the advice names the store. */
  engine: 'pglite' | 'postgres';
  services: readonly AdvisedService[];
  /** The store configuration gives `service` (before any online migration moved it). */
  configuredStore: (service: AdvisedService) => StoreKind;
  /** This process's live metrics, when the advice runs in the serving platform. */
  live?: LiveMetrics;
  thresholds: AdviceThresholds;
  clock: Clock;
}

/** What the seed's Phase 2 says moves a service off PostgreSQL, and how the advisor measures it. */
interface Trigger {
  text: string;
  measure(db: SqlDatabase, windows: Windows, sources: AdvisorSources): Promise<Evidence[]>;
}

interface Windows {
  traffic: AdviceWindow;
  catalogue: AdviceWindow;
}

/** The seed's pain points (polyglot-persistence-strategy.md, "Phase 2: Identify Pain Points"). */
const TRIGGERS: Readonly<Record<string, Trigger>> = {
  products: {
    text: 'Schema changes every sprint for new product types',
    measure: (db, windows, sources) => catalogueEvidence(db, windows.catalogue, sources.thresholds),
  },
  inventory: {
    text: 'Lock contention during traffic spikes',
    measure: (db, windows, sources) => inventoryEvidence(db, windows.traffic, sources),
  },
  notifications: {
    text: 'Complex JSON queries becoming unmaintainable',
    measure: (db, _windows, sources) => notificationsEvidence(db, sources.thresholds),
  },
  search: {
    text: 'Full-text search requires external solutions',
    measure: (_db, windows, sources) => searchEvidence(sources.live, windows.traffic.to, sources.thresholds),
  },
};

/** The seed's word on the services it keeps on PostgreSQL. */
const OPTIMAL = 'Current choice is optimal';

/** Phases in which a service's data lives in one store only (no move under way). */
const SETTLED = new Set(['idle', 'finished', 'cleanup']);

/**
 * For every service, whether the seed's trigger for moving it to its target store fires, with the
 * evidence: read from the stores' own tables and statistics (and the live metrics when given).
 * A trigger is only measured for a service on PostgreSQL whose target is another store; the others
 * are `not-applicable`, with the reason.
 */
export async function advise(
  sources: AdvisorSources,
  windowSeconds = sources.thresholds.ADVISE_WINDOW_SECONDS,
): Promise<Advice> {
  const now = sources.clock.now();
  const windows: Windows = {
    traffic: windowEnding(now, windowSeconds),
    catalogue: windowEnding(now, sources.thresholds.ADVISE_CATALOGUE_WINDOW_DAYS * 86400),
  };
  const db = await sources.postgres();
  const migrations = new Map((await new MigrationStateStore(db).list()).map((m) => [m.service, m]));
  const services: ServiceAdvice[] = [];
  for (const service of sources.services) {
    services.push(await adviseService(service, migrations.get(service.name), db, windows, sources));
  }
  return {
    generatedAt: now.toISOString(),
    window: { seconds: windowSeconds, from: windows.traffic.from.toISOString(), to: now.toISOString() },
    services,
  };
}

async function adviseService(
  service: AdvisedService,
  migration: MigrationState | undefined,
  db: SqlDatabase,
  windows: Windows,
  sources: AdvisorSources,
): Promise<ServiceAdvice> {
  const kind = currentStore(migration, sources.configuredStore(service));
  const target = service.stores.polyglot;
  const trigger = TRIGGERS[service.name];
  const base = {
    service: service.name,
    store: kind === 'postgres' ? sources.engine : kind,
    target,
    trigger: trigger?.text ?? OPTIMAL,
    evidence: [],
  };
  if (!trigger || target === 'postgres')
    return { ...base, status: 'not-applicable', note: 'PostgreSQL is the seed’s choice for it' };
  if (migration && !SETTLED.has(migration.phase)) {
    const note = `a move from ${migration.fromStore} to ${migration.toStore} is under way (phase ${migration.phase})`;
    return { ...base, status: 'not-applicable', note };
  }
  if (kind !== 'postgres') {
    const note = kind === target ? 'already on its target store' : `runs on ${kind}, not PostgreSQL`;
    return { ...base, status: 'not-applicable', note };
  }
  const evidence = await trigger.measure(db, windows, sources);
  const fires = evidence.some((e) => e.reached);
  if (fires)
    return {
      ...base,
      evidence,
      status: 'fires',
      command: `polyshop migrate-store ${service.name} --to ${target}`,
    };
  const measured = evidence.some((e) => e.value !== null && e.threshold !== null);
  return { ...base, evidence, status: measured ? 'quiet' : 'unknown' };
}
