import { ZxcvbnFactory } from '@zxcvbn-ts/core';
import { adjacencyGraphs, dictionary } from '@zxcvbn-ts/language-common';
import { AppError } from '@polyshop/kernel';

export const MIN_PASSWORD_LENGTH = 10;
export const MAX_PASSWORD_LENGTH = 256;
/** The lowest zxcvbn score (0–4) accepted: 3 is "safely unguessable", about 10^8 guesses or more. */
export const MIN_PASSWORD_SCORE = 3;
/**
 * How many leading characters the estimator reads. Its matching grows steeply with length (a
 * 256-character l33t pattern costs seconds of CPU), and the estimate of a longer password is
 * never lower than that of its first 64 characters.
 */
const ESTIMATED_LENGTH = 64;

/** The rule every password meets, as the 400 answer states it. */
export const PASSWORD_RULE =
  `at least ${MIN_PASSWORD_LENGTH} characters mixing two kinds (lower case, upper case, digits, symbols), ` +
  `not a common or easily guessed password (strength ${MIN_PASSWORD_SCORE} of 4 on the zxcvbn estimate) ` +
  'and not the email address';

const CLASSES = [/[a-z]/, /[A-Z]/, /[0-9]/, /[^a-zA-Z0-9]/];

let estimator: ZxcvbnFactory | undefined;
/** zxcvbn with its common-password list, common words and keyboard patterns; built on first use. */
function strengthEstimator(): ZxcvbnFactory {
  estimator ??= new ZxcvbnFactory({
    dictionary,
    graphs: adjacencyGraphs,
    maxLength: ESTIMATED_LENGTH,
    // Fewer l33t substitutions tried per password bounds the CPU time of a crafted one.
    l33tMaxSubstitutions: 10,
  });
  return estimator;
}

/** The zxcvbn feedback keys we explain, in our own words. */
const WARNINGS: Record<string, string> = {
  common: 'is a commonly used password',
  similarToCommon: 'is too close to a commonly used password',
  topTen: 'is one of the most used passwords',
  topHundred: 'is one of the most used passwords',
  wordByItself: 'is a single common word',
  namesByThemselves: 'is only names',
  commonNames: 'is only common names',
  straightRow: 'is a row of keys',
  keyPattern: 'is a keyboard pattern',
  simpleRepeat: 'repeats characters',
  extendedRepeat: 'repeats a pattern',
  sequences: 'is a sequence',
  recentYears: 'leans on a recent year',
  dates: 'leans on a date',
  pwned: 'is a known leaked password',
  userInputs: 'is built from the email address',
};

/** Why a password is too weak, or `undefined` when it is acceptable. */
export function passwordWeakness(password: string, email?: string): string | undefined {
  if (password.length < MIN_PASSWORD_LENGTH) return `must be at least ${MIN_PASSWORD_LENGTH} characters long`;
  if (password.length > MAX_PASSWORD_LENGTH) return `must be at most ${MAX_PASSWORD_LENGTH} characters long`;
  if (CLASSES.filter((pattern) => pattern.test(password)).length < 2) {
    return 'must mix at least two kinds of characters (lower case, upper case, digits, symbols)';
  }
  if (new Set(password).size < 4) return 'must not repeat the same few characters';
  const local = email?.split('@')[0] ?? '';
  if (email) {
    const lowered = password.toLowerCase();
    // The whole address, or a password that is mostly its local part (`ada.lovelace` → `Ada.Lovelace1`).
    const mostlyLocal =
      local.length >= 4 && lowered.includes(local.toLowerCase()) && local.length * 2 >= password.length;
    if (lowered.includes(email.toLowerCase()) || mostlyLocal) {
      return 'must not contain the email address';
    }
  }
  const estimate = strengthEstimator().check(password, email ? [email, local] : []);
  if (estimate.score < MIN_PASSWORD_SCORE) {
    const why = estimate.feedback.warning ? WARNINGS[estimate.feedback.warning] : undefined;
    return (
      `is too easy to guess${why ? ` (it ${why})` : ''}: ` +
      `it must score at least ${MIN_PASSWORD_SCORE} of 4 on the zxcvbn strength estimate — ` +
      'use a longer mix of unrelated words, digits and symbols'
    );
  }
  return undefined;
}

/** Throws `USERS.WEAK_PASSWORD` naming `field` when the password breaks the strength rule. */
export function assertStrongPassword(password: string, email?: string, field = 'password'): void {
  const weakness = passwordWeakness(password, email);
  if (weakness)
    throw AppError.invalidInput('USERS.WEAK_PASSWORD', `The password ${weakness}.`, {
      field,
      details: { rule: PASSWORD_RULE },
    });
}
