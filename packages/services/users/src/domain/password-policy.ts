import { AppError } from '@polyshop/kernel';

export const MIN_PASSWORD_LENGTH = 10;
export const MAX_PASSWORD_LENGTH = 256;

const CLASSES = [/[a-z]/, /[A-Z]/, /[0-9]/, /[^a-zA-Z0-9]/];

/** Why a password is too weak, or `undefined` when it is acceptable. */
export function passwordWeakness(password: string, email?: string): string | undefined {
  if (password.length < MIN_PASSWORD_LENGTH) return `must be at least ${MIN_PASSWORD_LENGTH} characters long`;
  if (password.length > MAX_PASSWORD_LENGTH) return `must be at most ${MAX_PASSWORD_LENGTH} characters long`;
  if (CLASSES.filter((pattern) => pattern.test(password)).length < 2) {
    return 'must mix at least two kinds of characters (lower case, upper case, digits, symbols)';
  }
  if (new Set(password).size < 4) return 'must not repeat the same few characters';
  if (email) {
    const lowered = password.toLowerCase();
    const local = email.split('@')[0] ?? '';
    // The whole address, or a password that is mostly its local part (`ada.lovelace` → `Ada.Lovelace1`).
    const mostlyLocal =
      local.length >= 4 && lowered.includes(local.toLowerCase()) && local.length * 2 >= password.length;
    if (lowered.includes(email.toLowerCase()) || mostlyLocal) {
      return 'must not contain the email address';
    }
  }
  return undefined;
}

/** Throws `USERS.WEAK_PASSWORD` naming `field` when the password breaks the strength rule. */
export function assertStrongPassword(password: string, email?: string, field = 'password'): void {
  const weakness = passwordWeakness(password, email);
  if (weakness) throw AppError.invalidInput('USERS.WEAK_PASSWORD', `The password ${weakness}.`, { field });
}
