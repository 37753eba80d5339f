import type { EventEnvelope } from '@polyshop/kernel';
import { migrate } from '@polyshop/stores';
import { postgresTargets } from '@polyshop/testing';
import { fileURLToPath } from 'node:url';
import { PostgresOrderRepository } from '../../src/adapters/postgres/postgres-order-repository.ts';
import { orderRepositoryContract } from './order-repository.contract.ts';

const migrations = fileURLToPath(new URL('../../migrations', import.meta.url));

for (const target of postgresTargets()) {
  orderRepositoryContract(
    `PostgreSQL (${target.name})`,
    async () => {
      const db = await target.open();
      await migrate(db, { schema: 'orders', directory: migrations });
      return {
        repository: new PostgresOrderRepository(db),
        async recordedEvents(aggregateId: string) {
          const rows = await db.query<{ envelope: EventEnvelope }>(
            `SELECT envelope FROM orders.outbox WHERE aggregate_id = $1 ORDER BY seq`,
            [aggregateId],
          );
          return rows.map((row) => row.envelope);
        },
        close: () => target.close(db),
      };
    },
    { skip: target.skip },
  );
}
