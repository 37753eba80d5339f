import Type, { type Static } from 'typebox';
import { loadConfig } from '@polyshop/kernel';

/** The search service's environment variables (validated at start-up; a bad value names the variable). */
export const SearchConfigSchema = Type.Object({
  /** Names of the OpenSearch indexes: `<prefix>-products`, `<prefix>-sku-stock`, `<prefix>-inbox`. */
  SEARCH_OPENSEARCH_INDEX_PREFIX: Type.String({
    default: 'polyshop',
    pattern: '^[a-z0-9][a-z0-9_.-]{0,100}$',
  }),
});

export type SearchConfig = Static<typeof SearchConfigSchema>;

export function loadSearchConfig(env: NodeJS.ProcessEnv): SearchConfig {
  return loadConfig(SearchConfigSchema, env);
}
