import type { Clock } from '@polyshop/kernel';
import { selectStore, type SqlDatabase } from '@polyshop/stores';
import type { PlatformConfig } from '../platform-config.ts';
import type { AdvisedService, AdvisorSources } from './advisor.ts';
import { loadAdviceThresholds } from './advice-thresholds.ts';
import type { LiveMetrics } from './live-metrics.ts';

/** What a platform (serving, or opened by the CLI) gives the advisor. */
export interface PlatformAdviceInputs {
  config: Pick<PlatformConfig, 'DATABASE_URL' | 'POLYSHOP_PROFILE'>;
  env: NodeJS.ProcessEnv;
  postgres: () => Promise<SqlDatabase>;
  services: readonly AdvisedService[];
  clock: Clock;
  live?: LiveMetrics;
}

/**
 * The advisor's sources for a platform: its PostgreSQL, each service's configured store (as the
 * platform selects it: `<SERVICE>_STORE`, else the profile), thresholds from `ADVISE_*`.
 */
export function platformAdviceSources(inputs: PlatformAdviceInputs): AdvisorSources {
  return {
    postgres: inputs.postgres,
    engine: inputs.config.DATABASE_URL ? 'postgres' : 'pglite',
    services: inputs.services,
    configuredStore: (service) =>
      selectStore(service.stores, inputs.config.POLYSHOP_PROFILE, inputs.env, service.name),
    thresholds: loadAdviceThresholds(inputs.env),
    clock: inputs.clock,
    ...(inputs.live ? { live: inputs.live } : {}),
  };
}
