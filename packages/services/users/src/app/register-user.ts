import { AppError, createEvent, newId } from '@polyshop/kernel';
import { parseEmail } from '../domain/email.ts';
import { assertStrongPassword } from '../domain/password-policy.ts';
import type { User } from '../domain/user.ts';
import type { UserRegisteredData } from '../domain/users-events.ts';
import type { UsersTransaction } from '../ports/users-store.ts';
import type { RequestMeta, UsersDeps } from './users-deps.ts';

export interface RegisterUserInput {
  email: string;
  password: string;
  name: string;
}

/** Validates and hashes, then creates the account and emits `user.registered` (one transaction). */
export async function registerUser(
  deps: UsersDeps,
  input: RegisterUserInput,
  meta: RequestMeta,
): Promise<User> {
  const user = await newUser(deps, input);
  await deps.store.transaction(async (tx) => {
    await addUser(deps, tx, user, meta);
  });
  return user;
}

/** A validated, hashed, not yet stored user. */
export async function newUser(deps: UsersDeps, input: RegisterUserInput): Promise<User> {
  const email = parseEmail(input.email);
  const name = input.name.trim();
  if (name.length === 0 || name.length > 200) {
    throw AppError.invalidInput('USERS.INVALID_NAME', 'The name must be 1 to 200 characters.', {
      field: 'name',
    });
  }
  assertStrongPassword(input.password, email);
  return {
    id: newId(),
    email,
    name,
    passwordHash: await deps.hasher.hash(input.password),
    status: 'active',
    createdAt: deps.clock.now(),
    erasedAt: undefined,
  };
}

/** Stores the user with its audit row and `user.registered` event inside `tx`. */
export async function addUser(
  deps: UsersDeps,
  tx: UsersTransaction,
  user: User,
  meta: RequestMeta,
  actorId?: string,
): Promise<void> {
  await tx.users.create(user);
  await tx.audit.append({
    occurredAt: user.createdAt,
    type: 'user.registered',
    actorId: actorId ?? user.id,
    targetUserId: user.id,
    email: user.email,
    ip: meta.ip,
    userAgent: meta.userAgent,
  });
  const data: UserRegisteredData = { userId: user.id, email: user.email!, name: user.name! };
  await tx.emit(
    createEvent(
      'users',
      { type: 'user.registered', aggregateType: 'user', aggregateId: user.id, data },
      deps.clock,
    ),
  );
}
