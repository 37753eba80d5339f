import { postgresTargets } from '@polyshop/testing';
import { PostgresUsersStore } from '../../src/adapters/postgres/postgres-users-store.ts';
import { usersStoreContract } from './users-store.contract.ts';

for (const target of postgresTargets()) {
  usersStoreContract(
    `PostgresUsersStore on ${target.name}`,
    async () => {
      const db = await target.open();
      return { store: await PostgresUsersStore.open(db), close: () => target.close(db) };
    },
    { skip: target.skip },
  );
}
