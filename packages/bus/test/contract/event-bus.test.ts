import { describe } from 'node:test';
import { eventBusTargets } from '../support/bus-targets.ts';
import { eventBusContract } from './event-bus.contract.ts';

for (const target of eventBusTargets()) {
  describe(`EventBus contract: ${target.name}`, { skip: target.skip }, () => eventBusContract(target));
}
