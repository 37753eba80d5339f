import type { User, UserAccess } from '../domain/user.ts';

/** Stores user accounts. Emails are unique case-insensitively (callers pass them normalised). */
export interface UserRepository {
  /** Adds a user; throws `conflict` `USERS.EMAIL_TAKEN` (field `email`) when the email is taken. */
  create(user: User): Promise<void>;
  /** The user with this id, erased or not. */
  findById(id: string): Promise<User | undefined>;
  /** The active user with this (normalised) email. */
  findByEmail(email: string): Promise<User | undefined>;
  /**
   * Removes the user's personal data (email, name, password hash), marks it erased and drops its
   * role assignments. Returns false when there is no such active user.
   */
  erase(id: string, at: Date): Promise<boolean>;
  /**
   * What the user may do right now: status, role names, effective permissions. When `sessionId` is
   * given, `undefined` also when that session is not the user's or is revoked or expired at `at`.
   */
  findAccess(userId: string, options?: { sessionId?: string; at?: Date }): Promise<UserAccess | undefined>;
}
