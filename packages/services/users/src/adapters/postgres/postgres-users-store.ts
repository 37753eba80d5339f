import { fileURLToPath } from 'node:url';
import { appendToOutbox, migrate, type SqlDatabase, type SqlExecutor } from '@polyshop/stores';
import type { UsersRepositories, UsersStore, UsersTransaction } from '../../ports/users-store.ts';
import { PostgresLoginThrottle } from './postgres-login-throttle.ts';
import { PostgresRoleRepository } from './postgres-role-repository.ts';
import { PostgresSecurityAuditLog } from './postgres-security-audit-log.ts';
import { PostgresSessionRepository } from './postgres-session-repository.ts';
import { PostgresSigningKeyStore } from './postgres-signing-key-store.ts';
import { PostgresUserRepository } from './postgres-user-repository.ts';

/** The service's PostgreSQL schema. */
export const USERS_SCHEMA = 'users';
const MIGRATIONS = fileURLToPath(new URL('../../../migrations', import.meta.url));

function repositories(sql: SqlExecutor): UsersRepositories {
  return {
    users: new PostgresUserRepository(sql),
    roles: new PostgresRoleRepository(sql),
    sessions: new PostgresSessionRepository(sql),
    audit: new PostgresSecurityAuditLog(sql),
    throttle: new PostgresLoginThrottle(sql),
    keys: new PostgresSigningKeyStore(sql),
  };
}

export interface PostgresUsersStoreOptions {
  /** Called after a transaction that emitted events commits (wakes the outbox relay). */
  onEventsCommitted?: () => void;
}

/** `UsersStore` on PostgreSQL (PGlite or a server): events go to the `users.outbox` in the same transaction. */
export class PostgresUsersStore implements UsersStore {
  readonly users;
  readonly roles;
  readonly sessions;
  readonly audit;
  readonly throttle;
  readonly keys;
  readonly #db: SqlDatabase;
  readonly #options: PostgresUsersStoreOptions;

  private constructor(db: SqlDatabase, options: PostgresUsersStoreOptions) {
    this.#db = db;
    this.#options = options;
    ({
      users: this.users,
      roles: this.roles,
      sessions: this.sessions,
      audit: this.audit,
      throttle: this.throttle,
      keys: this.keys,
    } = repositories(db));
  }

  /** Applies the schema's migrations, then returns the store. */
  static async open(db: SqlDatabase, options: PostgresUsersStoreOptions = {}): Promise<PostgresUsersStore> {
    await migrate(db, { schema: USERS_SCHEMA, directory: MIGRATIONS });
    return new PostgresUsersStore(db, options);
  }

  async transaction<T>(work: (tx: UsersTransaction) => Promise<T>): Promise<T> {
    let emitted = false;
    const result = await this.#db.transaction((sql) =>
      work({
        ...repositories(sql),
        async emit(...events) {
          emitted = true;
          await appendToOutbox(sql, USERS_SCHEMA, events);
        },
      }),
    );
    if (emitted) this.#options.onEventsCommitted?.();
    return result;
  }

  async ping(): Promise<void> {
    await this.#db.ping();
  }
}
