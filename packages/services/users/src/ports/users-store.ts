import type { EventEnvelope } from '@polyshop/kernel';
import type { LoginThrottle } from './login-throttle.ts';
import type { RoleRepository } from './role-repository.ts';
import type { SecurityAuditLog } from './security-audit-log.ts';
import type { SessionRepository } from './session-repository.ts';
import type { SigningKeyStore } from './signing-key-store.ts';
import type { UserRepository } from './user-repository.ts';

/** The user service's repositories, all reading and writing through one connection or transaction. */
export interface UsersRepositories {
  users: UserRepository;
  roles: RoleRepository;
  sessions: SessionRepository;
  audit: SecurityAuditLog;
  throttle: LoginThrottle;
  keys: SigningKeyStore;
}

/** Repositories inside a transaction, plus the events that commit with it. */
export interface UsersTransaction extends UsersRepositories {
  /** Queues events to be published if and only if the transaction commits. */
  emit(...events: EventEnvelope[]): Promise<void>;
}

/** The user service's storage: direct reads, and atomic units of work. */
export interface UsersStore extends UsersRepositories {
  /** Runs `work` atomically: every write and emitted event commits, or none does. */
  transaction<T>(work: (tx: UsersTransaction) => Promise<T>): Promise<T>;
}
