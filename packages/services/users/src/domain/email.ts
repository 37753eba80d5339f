import { AppError } from '@polyshop/kernel';

// Pragmatic shape check (RFC 5322 is looser); the real proof of an address is a delivered mail.
const EMAIL =
  /^[^\s@"(),:;<>[\\\]]+@[a-z0-9](?:[a-z0-9-]{0,61}[a-z0-9])?(?:\.[a-z0-9](?:[a-z0-9-]{0,61}[a-z0-9])?)+$/i;

/** Trims and lower-cases an email for storage and comparison (emails are unique case-insensitively). */
export function normalizeEmail(email: string): string {
  return email.trim().toLowerCase();
}

/** The normalised email, or `invalid_input` naming `field` when it does not look like an address. */
export function parseEmail(email: string, field = 'email'): string {
  const normalized = normalizeEmail(email);
  if (normalized.length > 254 || !EMAIL.test(normalized)) {
    throw AppError.invalidInput('USERS.INVALID_EMAIL', 'The email address is not valid.', { field });
  }
  return normalized;
}
