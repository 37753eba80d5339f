import { ferretDbTarget, unsupportedReason } from '@polyshop/testing';
import { notificationRepositoryContract } from './notification-repository.contract.ts';
import { mongoRepositoryTarget, repositoryTargets } from '../support/repository-targets.ts';

for (const target of repositoryTargets()) {
  notificationRepositoryContract(target.name, () => target.open(), { skip: target.skip });
}

// FerretDB: no transactions (handleOnce runs journaled, as on a standalone MongoDB); the cases that need a
// feature it lacks (arrayFilters, $group $first, atomic conditional updates) are marked unsupported there.
const server = ferretDbTarget();
const capabilities = server.skip ? undefined : await server.capabilities();
const ferret = mongoRepositoryTarget({}, server);
notificationRepositoryContract(ferret.name, () => ferret.open(), {
  skip: ferret.skip,
  unsupported: (features) =>
    capabilities ? unsupportedReason(server.product, capabilities, features) : false,
});
