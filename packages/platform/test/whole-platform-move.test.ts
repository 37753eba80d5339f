import { after, before, describe, it, type TestContext } from 'node:test';
import { isAppError, type AppError } from '@polyshop/kernel';
import { MigrationEngine, MigrationStateStore, type MigrationState } from '@polyshop/migration';
import {
  adminToken,
  createMigrationSides,
  migrateAllInProcess,
  type InProcessStores,
} from '@polyshop/platform/testing';
import { SmtpSink } from '../../services/notifications/test/support/smtp-sink.ts';
import { requestsAs, sleep } from '../../services/products/test/integration/live-move-harness.ts';
import type { PlatformTarget } from '../src/cli/migrate-store-command.ts';
import { polyglotTargets, startPolyglotPlatform, type PolyglotPlatform } from './polyglot/polyglot-stores.ts';
import { MixedWorkload } from './support/mixed-workload.ts';
import { assertPlatformMoved, type MovedPlatform } from './support/platform-move-checks.ts';

/** A service's move as `migrate-store` left it: stores, time from start to its last phase, records backfilled. */
function moveOf(migration: MigrationState): string {
  const ms = migration.updatedAt.getTime() - migration.startedAt.getTime();
  return `${migration.service} ${migration.fromStore} → ${migration.toStore}: ${migration.phase} in ${ms} ms, ${migration.backfill.copied} records backfilled`;
}

/** Load before each move starts and after it ends (it runs during the whole move too). */
const LOAD_MS = 1_500;
/** Records per backfill batch and verify page: small, so that each service's move takes several. */
const BATCH_SIZE = 50;
/** Switches a direction may make by hand past a repair log refilled under load (see `migrateAll`). */
const MAX_BY_HAND = 10;

/** Whether `error` is a switch refused because the repair log held keys (`details.repairs`). */
function refusedForRepairs(error: unknown): error is AppError {
  return isAppError(error) && Number(error.details?.repairs ?? 0) > 0;
}

/**
 * `polyshop migrate-store --all --to polyglot`, then `--to phase1`, on the running platform (every
 * service, started in Phase 1 with MongoDB, DynamoDB and OpenSearch configured) while the mixed
 * workload runs: shoppers check out (two hot SKUs run out and are restocked), search and change
 * preferences, the admin edits the catalogue and sends notifications. After each direction
 * (`assertPlatformMoved`): every service finished on its store, no 5xx, every acknowledged write with
 * its last value, no oversell, one captured payment and one confirmation email per confirmed order,
 * search equal to the catalogue.
 *
 * Phase 1 on PGlite (the zero-setup default) and on the real PostgreSQL server, each about 80 s on
 * a quiet 2-core machine (moto answers one request at a time).
 */
for (const target of polyglotTargets()) {
  describe(
    `the whole platform moved live, Phase 1 ⇄ polyglot (${target.name})`,
    { skip: target.skip },
    () => {
      let smtp: SmtpSink;
      let poly: PolyglotPlatform;
      let stores: InProcessStores;
      let platform: MovedPlatform;
      let workload: MixedWorkload;

      before(async () => {
        smtp = await SmtpSink.start();
        poly = await startPolyglotPlatform(target, {
          POLYSHOP_PROFILE: 'phase1',
          SMTP_URL: smtp.url,
          SMTP_FROM: 'polyshop <orders@polyshop.test>',
          NOTIFICATIONS_POLL_MS: '50',
        });
        const { connections, env } = poly;
        const db = await poly.platform.postgres();
        const engine = new MigrationEngine({ state: new MigrationStateStore(db), pollMs: 20 });
        stores = {
          engine,
          configuredStore: 'postgres',
          postgres: async () => db,
          mongodb: async () => connections.mongodb,
          dynamodb: () => connections.dynamodb,
          opensearch: () => connections.opensearch,
          env,
        };
        const token = await adminToken(poly.platform);
        platform = {
          platform: poly.platform,
          admin: requestsAs(poly.platform, token),
          sides: createMigrationSides(stores),
          engine,
          smtp,
        };
        workload = await MixedWorkload.open(poly.platform, token);
      });
      after(async () => {
        await poly?.dispose();
        await smtp?.close();
      });

      /**
       * `migrate-store --all --to <to>`. When it refuses a switch because the repair log holds keys
       * (dual-write copies that timed out under load land there at any moment, also during the verify
       * pass or right after the command retried the log), the operator's way on: retry the log, switch
       * (until the switch is not refused for new entries), run the command again. Any other refusal
       * fails. Resolves to the migrations, the command's lines and the switches made by hand.
       */
      async function migrateAll(to: PlatformTarget) {
        const lines: string[] = [];
        for (let byHand = 0; ; byHand++) {
          try {
            const done = await migrateAllInProcess(stores, { to, batchSize: BATCH_SIZE });
            return { migrations: done.migrations, lines: [...lines, ...done.lines], byHand };
          } catch (error) {
            if (!refusedForRepairs(error) || byHand >= MAX_BY_HAND) throw error;
            lines.push(`refused: ${error.message}`);
            await switchPastRepairs(String(error.details?.service));
          }
        }
      }

      async function switchPastRepairs(service: string): Promise<void> {
        const { engine } = stores;
        const migration = await engine.state.require(service);
        const sides = await platform.sides.sidesOf(migration);
        for (let attempt = 1; ; attempt++) {
          await engine.retryRepairs(service, sides);
          try {
            await engine.advance(service, migration.phase);
            return;
          } catch (error) {
            if (!refusedForRepairs(error) || attempt >= MAX_BY_HAND) throw error;
          }
        }
      }

      /** `migrate-store --all --to <to>` under the workload, then every check; prints the numbers. */
      async function moveUnderLoad(t: TestContext, to: PlatformTarget): Promise<void> {
        const began = Date.now();
        const load = await workload.start();
        let run: Awaited<ReturnType<typeof migrateAll>>;
        try {
          await sleep(LOAD_MS);
          run = await migrateAll(to);
          await sleep(LOAD_MS);
        } finally {
          await load.stop();
        }
        const moveMs = Date.now() - began;
        await workload.settle();
        await assertPlatformMoved(platform, workload, to);
        t.diagnostic(
          `--all --to ${to} on ${target.name}: ${moveMs} ms under load, ${Date.now() - began} ms with the checks, ${run.byHand} switch(es) by hand past a refilled repair log`,
        );
        for (const migration of run.migrations) t.diagnostic(`  ${moveOf(migration)}`);
        for (const line of run.lines.filter((l) =>
          /backfill complete|verify clean|repair log|refused/.test(l),
        ))
          t.diagnostic(`  ${line}`);
        t.diagnostic(
          `  so far: ${JSON.stringify(workload.summary())}, ${smtp.messages.length} emails received`,
        );
      }

      it('moves every movable service to its polyglot store under load', { timeout: 400_000 }, (t) =>
        moveUnderLoad(t, 'polyglot'),
      );
      it('moves them all back to PostgreSQL under load', { timeout: 400_000 }, (t) =>
        moveUnderLoad(t, 'phase1'),
      );
    },
  );
}
