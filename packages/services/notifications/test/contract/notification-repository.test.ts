import { notificationRepositoryContract } from './notification-repository.contract.ts';
import { repositoryTargets } from '../support/repository-targets.ts';

for (const target of repositoryTargets()) {
  notificationRepositoryContract(target.name, () => target.open(), { skip: target.skip });
}
