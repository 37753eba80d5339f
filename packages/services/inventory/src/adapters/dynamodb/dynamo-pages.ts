/** Where a paged DynamoDB `Scan` or `Query` goes on: the last page's `LastEvaluatedKey`. */
export type StartKey = Record<string, unknown> | undefined;

/**
 * Every page of a paged `Scan` or `Query`, first to last: `fetch` sends the request from `start`
 * (`ExclusiveStartKey`, none for the first page). Stop early by leaving the loop.
 */
export async function* pagesOf<Page extends { LastEvaluatedKey?: StartKey }>(
  fetch: (start: StartKey) => Promise<Page>,
): AsyncGenerator<Page> {
  let start: StartKey;
  do {
    const page = await fetch(start);
    yield page;
    start = page.LastEvaluatedKey;
  } while (start);
}

/** `ExclusiveStartKey` for a request, when there is one. */
export function startingAt(start: StartKey): { ExclusiveStartKey?: Record<string, unknown> } {
  return start ? { ExclusiveStartKey: start } : {};
}
