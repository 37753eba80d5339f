import { AppError, newId } from '@polyshop/kernel';
import { addUser, newUser } from './register-user.ts';
import { ADMIN_ROLE, type UsersDeps } from './users-deps.ts';

/**
 * Creates the first admin once: a user holding the `admin` role, which grants `*:*` (every
 * permission, including those other services define later). Does nothing when an account with
 * this email exists already. Safe when several processes start at once.
 */
export async function createAdmin(
  deps: UsersDeps,
  input: { email: string; password: string; name?: string },
): Promise<{ created: boolean; userId: string }> {
  const existing = await deps.store.users.findByEmail(input.email.trim().toLowerCase());
  if (existing) return { created: false, userId: existing.id };
  const user = await newUser(deps, {
    email: input.email,
    password: input.password,
    name: input.name ?? 'Administrator',
  });
  try {
    await deps.store.transaction(async (tx) => {
      await addUser(deps, tx, user, {}, 'system');
      let role = await tx.roles.findRoleByName(ADMIN_ROLE);
      if (!role) {
        role = {
          id: newId(),
          name: ADMIN_ROLE,
          description: 'Every permission of every service',
          createdAt: deps.clock.now(),
        };
        await tx.roles.createRole(role);
      }
      await tx.roles.grantPermission(role.id, { resource: '*', action: '*' }, deps.clock.now(), newId);
      await tx.roles.assignRole(user.id, role.id, deps.clock.now(), 'system');
      await tx.audit.append({
        occurredAt: deps.clock.now(),
        type: 'admin.bootstrapped',
        actorId: 'system',
        targetUserId: user.id,
        details: { roleId: role.id },
      });
    });
  } catch (error) {
    // Another process created it first.
    if (error instanceof AppError && error.kind === 'conflict') {
      const winner = await deps.store.users.findByEmail(user.email!);
      if (winner) return { created: false, userId: winner.id };
    }
    throw error;
  }
  return { created: true, userId: user.id };
}
