import type { Problem } from '@polyshop/client';

/** What a call of the API gave the page: its data, or a sentence saying why not. */
export type Answer<T> =
  { ok: true; data: T; response: Response } | { ok: false; text: string; problem?: Problem; status?: number };

/**
 * Runs one call of `@polyshop/client` for a page: a 401 ends the session (`onExpired`), a problem+json
 * answer becomes its detail and code, a network failure a sentence, so each page handles one shape.
 */
export async function callApi<T>(
  onExpired: () => void,
  call: () => Promise<{ data?: T; error?: Problem; response: Response }>,
): Promise<Answer<T>> {
  try {
    const { data, error, response } = await call();
    if (response.status === 401) {
      onExpired();
      return { ok: false, text: 'Your session ended.', status: 401 };
    }
    if (error)
      return { ok: false, text: `${error.detail} (${error.code})`, problem: error, status: response.status };
    return { ok: true, data: data as T, response };
  } catch (failure) {
    return { ok: false, text: `The platform did not answer: ${String(failure)}` };
  }
}
