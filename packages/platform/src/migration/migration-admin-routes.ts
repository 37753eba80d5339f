import type { FastifyPluginAsync, FastifyRequest } from 'fastify';
import Type, { type Static } from 'typebox';
import { AppError, type Clock } from '@polyshop/kernel';
import {
  LatencyBackoff,
  MigrationEngine,
  MigrationStateStore,
  p99,
  type MigrationState,
} from '@polyshop/migration';
import { Int32, ProblemSchema, type Authorizer } from '@polyshop/http';
import { staffGuard } from '../staff-guard.ts';
import type { SqlDatabase } from '@polyshop/stores';
import {
  BackfillReportSchema,
  MigrationSchema,
  PhaseSchema,
  REPAIR_LOG_SHOWN,
  toBackfillReport,
  toMigrationView,
  toVerifyReport,
  VerifyReportSchema,
} from './migration-schemas.ts';
import { currentStore, type MigrationSideCatalog } from './migration-sides.ts';

/** Records per scan and per write of a backfill or verify run from the admin API. */
const BATCH_SIZE = 500;

/** The window of live request latencies a backfill's back-off looks at, before every batch. */
const LIVE_WINDOW_MS = 10_000;

/** Fewer live requests than this before a backfill: no baseline p99 (back-off only with maxP99Ms). */
const BASELINE_SAMPLES = 20;

/** What the admin migration routes drive, and how they learn where a service runs. */
export interface MigrationAdminOptions {
  /** The control store's PostgreSQL (the platform's). */
  postgres: () => Promise<SqlDatabase>;
  sides: MigrationSideCatalog;
  /** The store a service is configured on (`<SERVICE>_STORE` or the profile), before any migration. */
  configuredStore: (service: string) => string;
  authorizer: Authorizer;
  clock: Clock;
}

const ServiceParams = Type.Object({
  service: Type.String({ pattern: '^[a-z][a-z0-9-]*$', maxLength: 60 }),
});
type Params = Static<typeof ServiceParams>;
const StartBody = Type.Object(
  {
    to: Type.String({
      minLength: 1,
      maxLength: 60,
      description: 'the store to move to',
      examples: ['mongodb'],
    }),
  },
  { additionalProperties: false },
);
const AdvanceBody = Type.Object(
  {
    /** Refused with 409 MIGRATION.PHASE_CHANGED when the migration is no longer in it. */
    expectedPhase: Type.Optional(PhaseSchema),
  },
  { additionalProperties: false },
);
const BackfillBody = Type.Object(
  {
    rate: Type.Optional(
      Int32({
        minimum: 1,
        description: 'records/s, saved with the migration (applies to later runs too)',
      }),
    ),
    maxP99Ms: Type.Optional(
      Int32({
        minimum: 1,
        description:
          'halve the rate while the live p99 (last 10 s) is above this many ms; default: twice the p99 before the run began, at least 50 ms',
      }),
    ),
  },
  { additionalProperties: false },
);
/** A service that can move, where it runs now and the stores it can run on (the console's start form). */
const MovableServiceSchema = Type.Object({
  service: Type.String(),
  store: Type.String({
    description: 'where it runs now (its configured store, or where a finished move left it)',
  }),
  stores: Type.Array(Type.String(), { description: 'every store it can run on' }),
});
const VerifyBody = Type.Object(
  { repair: Type.Optional(Type.Boolean({ description: 'copy the source of truth over every difference' })) },
  { additionalProperties: false },
);

/**
 * `/admin/migrations`: the online store migrations of the services (`MigrationEngine`), the same
 * operations as `polyshop migrate-store`. Reading needs `platform:read` or `platform:admin` (the console's
 * read-only view); every action needs `platform:admin`. `advance` only moves the
 * phase (with the engine's gates); `backfill` and `verify` run those steps and answer their reports.
 */
export function migrationAdminRoutes(options: MigrationAdminOptions): FastifyPluginAsync {
  const { sides, authorizer } = options;
  let opened: Promise<MigrationEngine> | undefined;
  const engine = () =>
    (opened ??= options.postgres().then(async (db) => {
      await MigrationStateStore.migrate(db);
      return new MigrationEngine({ state: new MigrationStateStore(db, { clock: options.clock }) });
    })).catch((error: unknown) => {
      opened = undefined;
      throw error;
    });
  const view = async (state: MigrationState) => {
    const { repairs } = (await engine()).state;
    return toMigrationView(
      state,
      await repairs.size(state.service),
      await repairs.list(state.service, REPAIR_LOG_SHOWN),
    );
  };
  /** The store a service of this platform is configured on; undefined for one it does not serve. */
  const configuredOrUndefined = (service: string) => {
    try {
      return options.configuredStore(service);
    } catch {
      return undefined;
    }
  };
  const migratable = (service: string) => {
    if (!sides.has(service)) {
      throw AppError.notFound(
        'MIGRATION.UNKNOWN_SERVICE',
        `No service named ${service} can migrate between stores (those that can: ${sides.services().join(', ')}).`,
        { field: 'service' },
      );
    }
    return service;
  };
  return async (app) => {
    const preValidation = authorizer.authorize('platform', 'admin');
    const staff = staffGuard(authorizer);
    // A POST whose body is optional: no body is an empty object (validated as one).
    const optionalBody = [
      preValidation,
      async (request: FastifyRequest) => {
        request.body ??= {};
      },
    ];
    const tags = ['admin'];
    const security = [{ bearerAuth: [] }];
    const errors = { 400: ProblemSchema, 404: ProblemSchema, 409: ProblemSchema };

    app.get(
      '/migrations',
      {
        preHandler: staff,
        schema: {
          tags,
          security,
          summary: "Every service's store migration, and the services of this platform that can move",
          description: 'platform:read or platform:admin.',
          response: {
            200: Type.Object({
              items: Type.Array(MigrationSchema),
              services: Type.Array(MovableServiceSchema),
            }),
          },
        },
      },
      async () => {
        const { state } = await engine();
        const all = await state.list();
        const byService = new Map(all.map((migration) => [migration.service, migration]));
        const services = sides.services().flatMap((service) => {
          const configured = configuredOrUndefined(service);
          if (configured === undefined) return [];
          const store = currentStore(byService.get(service), configured);
          return [{ service, store, stores: sides.stores(service) }];
        });
        return { items: await Promise.all(all.map(view)), services };
      },
    );

    app.get<{ Params: Params }>(
      '/migrations/:service',
      {
        preHandler: staff,
        schema: {
          tags,
          security,
          summary: "A service's store migration: phase, stores, epoch, backfill, last verify, repair log",
          description: 'platform:read or platform:admin.',
          params: ServiceParams,
          response: { 200: MigrationSchema, 404: ProblemSchema },
        },
      },
      async (request) => view(await (await engine()).state.require(migratable(request.params.service))),
    );

    app.post<{ Params: Params; Body: Static<typeof StartBody> }>(
      '/migrations/:service',
      {
        preValidation,
        schema: {
          tags,
          security,
          summary: 'Start moving a service to another store (phase dual-write)',
          description:
            'From the store the service runs on now. 400 MIGRATION.UNKNOWN_STORE (field to), 409 MIGRATION.ALREADY_RUNNING.',
          params: ServiceParams,
          body: StartBody,
          response: { 201: MigrationSchema, ...errors },
        },
      },
      async (request, reply) => {
        const service = migratable(request.params.service);
        const { to } = request.body;
        await sides.side(service, to, 'to');
        const { state } = await engine();
        const from = currentStore(await state.get(service), options.configuredStore(service));
        const started = await (await engine()).start(service, from, to);
        return reply.status(201).send(await view(started));
      },
    );

    app.post<{ Params: Params; Body: Static<typeof AdvanceBody> }>(
      '/migrations/:service/advance',
      {
        preValidation: optionalBody,
        schema: {
          tags,
          security,
          summary: 'Move the migration to its next phase (never skips one)',
          description:
            'Once every live process acknowledged the current epoch. 409: MIGRATION.PHASE_CHANGED, MEMBERS_BEHIND, ' +
            'BACKFILL_INCOMPLETE, NOT_VERIFIED, REPAIRS_PENDING, NO_NEXT_PHASE.',
          params: ServiceParams,
          body: AdvanceBody,
          response: { 200: MigrationSchema, ...errors },
        },
      },
      async (request) => {
        const service = migratable(request.params.service);
        return view(await (await engine()).advance(service, request.body.expectedPhase));
      },
    );

    app.post<{ Params: Params; Body: Static<typeof BackfillBody> }>(
      '/migrations/:service/backfill',
      {
        preValidation: optionalBody,
        schema: {
          tags,
          security,
          summary: 'Copy what the old store holds to the new one (in backfill; resumes from its checkpoint)',
          description:
            'Answers when the run ends: completed, or stopped by a pause. Halves its rate while the live p99 is above maxP99Ms. ' +
            '409 MIGRATION.WRONG_PHASE; 409 MIGRATION.BACKFILL_RUNNING while another run (any process) holds the backfill lease.',
          params: ServiceParams,
          body: BackfillBody,
          response: { 200: BackfillReportSchema, ...errors },
        },
      },
      async (request) => {
        const service = migratable(request.params.service);
        const migrations = await engine();
        const { rate, maxP99Ms } = request.body;
        const migration =
          rate === undefined
            ? await migrations.state.require(service)
            : await migrations.state.setRate(service, rate);
        // Backs off while this process's live requests slow down (the lease makes it one run per service).
        const live = () => app.latencies.samples(LIVE_WINDOW_MS);
        const before = live();
        const baseline = before.length >= BASELINE_SAMPLES ? p99(before) : undefined;
        const backoff = new LatencyBackoff(live, {
          ...(maxP99Ms === undefined ? {} : { maxP99Ms }),
          ...(baseline === undefined ? {} : { baselineP99Ms: baseline }),
        });
        const result = await migrations.runBackfill({
          service,
          sides: await sides.sidesOf(migration),
          batchSize: BATCH_SIZE,
          throttle: backoff.throttle,
        });
        return toBackfillReport(result);
      },
    );

    app.post<{ Params: Params; Body: Static<typeof VerifyBody> }>(
      '/migrations/:service/verify',
      {
        preValidation: optionalBody,
        schema: {
          tags,
          security,
          summary: 'Compare both stores record by record (optionally repairing the copy); recorded',
          description: '409 MIGRATION.WRONG_PHASE outside backfill … write-switch.',
          params: ServiceParams,
          body: VerifyBody,
          response: { 200: VerifyReportSchema, ...errors },
        },
      },
      async (request) => {
        const service = migratable(request.params.service);
        const migrations = await engine();
        const migration = await migrations.state.require(service);
        const report = await migrations.verify({
          service,
          sides: await sides.sidesOf(migration),
          batchSize: BATCH_SIZE,
          repair: request.body.repair ?? false,
        });
        return toVerifyReport(report);
      },
    );

    const simple = (
      path: string,
      summary: string,
      description: string,
      run: (migrations: MigrationEngine, migration: MigrationState) => Promise<MigrationState>,
    ) =>
      app.post<{ Params: Params }>(
        `/migrations/:service/${path}`,
        {
          preValidation,
          schema: {
            tags,
            security,
            summary,
            description,
            params: ServiceParams,
            response: { 200: MigrationSchema, ...errors },
          },
        },
        async (request) => {
          const migrations = await engine();
          const migration = await migrations.state.require(migratable(request.params.service));
          return view(await run(migrations, migration));
        },
      );

    simple('pause', 'Pause the backfill (a running one stops after its batch)', '', (m, { service }) =>
      m.state.pause(service),
    );
    simple('resume', 'Let the backfill run again (run it with POST …/backfill)', '', (m, { service }) =>
      m.state.resume(service),
    );
    simple(
      'rollback',
      'Back to idle on the old store (any phase before finished)',
      'From write-switch, the repair log is first copied to the old store. 409 MIGRATION.CANNOT_ROLL_BACK, REPAIRS_PENDING.',
      async (m, migration) => m.rollback(migration.service, await sides.sidesOf(migration)),
    );
    simple(
      'cleanup',
      "Delete the service's data from the old store (finished → cleanup; again to retry the delete)",
      '409 MIGRATION.NOT_FINISHED.',
      async (m, migration) =>
        m.cleanup(migration.service, await sides.side(migration.service, migration.fromStore, 'from')),
    );
  };
}
