import createClient, { type Client, type ClientOptions, type Middleware } from 'openapi-fetch';
import type { components, paths } from './openapi.generated.ts';

export type { components, paths } from './openapi.generated.ts';

/** A client of every polyshop route: `client.GET('/products/{id}', { params: { path: { id } } })`. */
export type PolyshopClient = Client<paths>;

/** An error answer of the API (RFC 9457 problem+json), as every route documents it. */
export type Problem = components['schemas']['Problem'];

export interface PolyshopClientOptions extends ClientOptions {
  /**
   * The bearer access token (`POST /users/login`) sent with every request, or a function giving the
   * current one (undefined: none), for a front end whose user signs in after the client is made.
   */
  token?: string | (() => string | undefined);
}

/**
 * A typed client of the polyshop HTTP API (openapi-fetch over the generated `paths`): paths, parameters,
 * bodies and answers are checked against the platform's OpenAPI document at compile time. Runs in a
 * browser and in Node 20 (global `fetch`).
 */
export function createPolyshopClient(options: PolyshopClientOptions = {}): PolyshopClient {
  const { token, ...clientOptions } = options;
  const client = createClient<paths>(clientOptions);
  if (token !== undefined) client.use(bearerToken(token));
  return client;
}

/** Adds `Authorization: Bearer <token>` to each request when a token is there. */
function bearerToken(token: string | (() => string | undefined)): Middleware {
  return {
    onRequest({ request }) {
      const current = typeof token === 'function' ? token() : token;
      if (current) request.headers.set('authorization', `Bearer ${current}`);
      return request;
    },
  };
}
