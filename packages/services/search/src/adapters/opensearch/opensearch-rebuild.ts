import { randomUUID } from 'node:crypto';
import type { Client } from '@opensearch-project/opensearch';
import type { SearchDocument } from '../../domain/search-document.ts';
import type { IndexRebuild } from '../../ports/product-search-index.ts';

interface ByQueryResponse {
  updated: number;
  version_conflicts: number;
}

// A pass that met conflicts runs again over what is still left; this many passes means writes never stop.
const MAX_PASSES = 20;

/**
 * Runs a painless script over the products `query` matches until no match was skipped for a
 * conflicting concurrent write. Returns how many products the script changed.
 */
async function updateAll(
  client: Client,
  index: string,
  query: unknown,
  script: { source: string; params?: Record<string, unknown> },
): Promise<number> {
  let updated = 0;
  for (let pass = 0; pass < MAX_PASSES; pass++) {
    const { body } = await client.updateByQuery({
      index,
      conflicts: 'proceed',
      refresh: true,
      body: { query, script: { lang: 'painless', ...script } } as never,
    });
    const response = body as unknown as ByQueryResponse;
    updated += response.updated;
    if (response.version_conflicts === 0) return updated;
  }
  throw new Error(`OpenSearch: products kept changing during ${MAX_PASSES} update-by-query passes`);
}

const TOMBSTONE = `ctx._source = ['id': ctx._source.id, 'version': ctx._source.version, 'searchable': false, 'skus': [], 'in_stock': false]`;

/**
 * A rebuild in place: at the start every searchable product is marked with the rebuild's id; a
 * content write (a rebuild page or an event) replaces the whole document and so clears the mark,
 * while a stock update keeps it. `commit` turns the products still marked (neither in the catalog's
 * pages nor written by an event since) into tombstones. Searches see the live index throughout.
 */
export async function startOpenSearchRebuild(
  client: Client,
  index: string,
  writeDocuments: (docs: readonly SearchDocument[]) => Promise<unknown>,
): Promise<IndexRebuild> {
  const rebuild = randomUUID();
  // Marks what every process wrote so far: it has to be searchable for the update-by-query to find it.
  await client.indices.refresh({ index });
  await updateAll(
    client,
    index,
    {
      bool: { filter: [{ term: { searchable: true } }], must_not: [{ term: { rebuild_pending: rebuild } }] },
    },
    { source: 'ctx._source.rebuild_pending = params.rebuild', params: { rebuild } },
  );
  return {
    add: async (docs) => {
      await writeDocuments(docs);
    },
    commit: async () => {
      await client.indices.refresh({ index });
      const removed = await updateAll(
        client,
        index,
        { bool: { filter: [{ term: { searchable: true } }, { term: { rebuild_pending: rebuild } }] } },
        { source: TOMBSTONE },
      );
      return { removed };
    },
  };
}
