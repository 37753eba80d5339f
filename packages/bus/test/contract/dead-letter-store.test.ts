import { after, before, describe } from 'node:test';
import { randomBytes } from 'node:crypto';
import { migrate, type SqlDatabase } from '@polyshop/stores';
import { postgresTargets } from '@polyshop/testing';
import { PostgresDeadLetterStore } from '../../src/index.ts';
import { deadLetterStoreContract } from './dead-letter-store.contract.ts';

for (const target of postgresTargets()) {
  describe(
    `DeadLetterStore contract: PostgresDeadLetterStore on ${target.name}`,
    { skip: target.skip },
    () => {
      let db: SqlDatabase;
      before(async () => {
        db = await target.open();
      });
      after(() => db && target.close(db));
      // A schema per test: every test starts from an empty store.
      deadLetterStoreContract(async () => {
        const schema = `dl_${randomBytes(4).toString('hex')}`;
        await migrate(db, { schema });
        return {
          store: new PostgresDeadLetterStore(db, schema),
          dispose: () => db.exec(`DROP SCHEMA ${schema} CASCADE`),
        };
      });
    },
  );
}
