import { AppError } from '@polyshop/kernel';
import type { UsersTransaction } from '../ports/users-store.ts';
import { USERS_ADMIN } from './users-deps.ts';

/**
 * Runs `change` (inside `tx`) only if at least one active account still holds `users:admin` after
 * it: otherwise the change is undone and refused with 409 `USERS.LAST_ADMIN`, `field` naming what it
 * would take. Every withdrawal takes one lock first, so two admins removing each other at once
 * cannot both succeed: the second counts after the first has committed.
 */
export async function keepingAnAdministrator<T>(
  tx: UsersTransaction,
  refusal: { what: string; field: string },
  change: () => Promise<T>,
): Promise<T> {
  await tx.roles.lockPermissionWithdrawals();
  const result = await change();
  if ((await tx.roles.countActiveHolders(USERS_ADMIN.resource, USERS_ADMIN.action)) === 0) {
    throw AppError.conflict(
      'USERS.LAST_ADMIN',
      `Refused: ${refusal.what} would leave no active account holding users:admin, and nobody could ` +
        'administer users, roles or permissions any more. Give users:admin to another account first ' +
        '(`polyshop users create-admin` creates one from the command line).',
      { field: refusal.field, details: { required: 'users:admin' } },
    );
  }
  return result;
}
