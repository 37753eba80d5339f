import { describe } from 'node:test';
import { postgresTargets } from '@polyshop/testing';
import { migratePayments } from '../../src/adapters/postgres/payments-schema.ts';
import { PostgresPaymentRepository } from '../../src/adapters/postgres/postgres-payment-repository.ts';
import { paymentRepositoryContract } from './payment-repository.contract.ts';

for (const target of postgresTargets()) {
  describe(
    `PaymentRepository contract on ${target.name} (${PostgresPaymentRepository.name})`,
    { skip: target.skip },
    () => {
      paymentRepositoryContract(async () => {
        const db = await target.open();
        await migratePayments(db);
        return { repository: new PostgresPaymentRepository(db), close: () => target.close(db) };
      });
    },
  );
}
