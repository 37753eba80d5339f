import { AppError } from '@polyshop/kernel';
import { ServiceHttpClient, type InternalClientOptions, type Principal } from '@polyshop/http';
import type { UserSummary } from './app/users-views.ts';

export type { UserSummary };

/** The user service as other services see it: in-process or over HTTP, same behaviour. */
export interface UsersClient {
  /**
   * Who the bearer token belongs to and their effective permissions, read from the user database
   * now (never cached): throws `unauthorized` for a missing, invalid, expired, logged-out or erased
   * user's token. `POLYSHOP_INTERNAL_TOKEN`, when set, yields the service principal (`*:*`).
   */
  introspect(token: string): Promise<Principal>;
  /** The user's public summary, or `undefined` for an unknown id. */
  findUser(userId: string): Promise<UserSummary | undefined>;
}

/**
 * `UsersClient` over HTTP (multi-process mode). Service-to-service calls carry
 * `POLYSHOP_INTERNAL_TOKEN` when the process has it.
 */
export class UsersHttpClient implements UsersClient {
  readonly #http: ServiceHttpClient;

  constructor(baseUrl: string, options: InternalClientOptions = {}) {
    this.#http = ServiceHttpClient.internal(baseUrl, options);
  }

  introspect(token: string): Promise<Principal> {
    // Idempotent: a read, safe to retry on a transient failure.
    return this.#http.request<Principal>({
      method: 'POST',
      path: '/users/internal/introspect',
      body: { token },
      idempotent: true,
    });
  }

  async findUser(userId: string): Promise<UserSummary | undefined> {
    try {
      return await this.#http.request<UserSummary>({
        path: `/users/internal/users/${encodeURIComponent(userId)}`,
      });
    } catch (error) {
      if (error instanceof AppError && error.kind === 'not_found') return undefined;
      throw error;
    }
  }
}
