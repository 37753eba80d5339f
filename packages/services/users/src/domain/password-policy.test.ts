import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { AppError } from '@polyshop/kernel';
import { assertStrongPassword, passwordWeakness } from './password-policy.ts';

describe('password policy', () => {
  it('accepts a long password mixing two kinds of characters', () => {
    assert.equal(passwordWeakness('Correct-Horse-42', 'ada@example.com'), undefined);
    assert.equal(passwordWeakness('correcthorse42'), undefined);
  });

  it('refuses short, single-class, repetitive passwords and ones containing the email', () => {
    assert.match(passwordWeakness('Ab1!')!, /at least 10/);
    assert.match(passwordWeakness('abcdefghijkl')!, /two kinds/);
    assert.match(passwordWeakness('1212121212aa')!, /same few/);
    assert.match(passwordWeakness('xada@example.com1', 'ada@example.com')!, /email/);
    assert.match(passwordWeakness('Lovelace-2024', 'lovelace@example.com')!, /email/);
    assert.match(passwordWeakness('a1'.repeat(200))!, /at most/);
  });

  it('refuses common and easily guessed passwords that pass the length and kinds rules, saying why', () => {
    assert.match(passwordWeakness('password12')!, /too easy to guess \(it is a commonly used password\)/);
    assert.match(passwordWeakness('Passwordpassword')!, /too easy to guess.*at least 3 of 4/);
    assert.match(passwordWeakness('P@ssw0rd123!')!, /too easy to guess/);
    assert.match(passwordWeakness('Qwerty12345!')!, /too easy to guess/);
  });

  it('keeps estimating a crafted long password quickly (only its first 64 characters are read)', () => {
    const started = performance.now();
    assert.match(passwordWeakness('p@ssw0rd'.repeat(32))!, /too easy to guess/);
    assert.ok(performance.now() - started < 2000, `took ${performance.now() - started} ms`);
  });

  it('throws invalid input naming the field', () => {
    assert.throws(
      () => assertStrongPassword('short'),
      (error: unknown) =>
        error instanceof AppError &&
        error.kind === 'invalid_input' &&
        error.field === 'password' &&
        error.code === 'USERS.WEAK_PASSWORD' &&
        /not a common or easily guessed password/.test(String(error.details?.rule)),
    );
  });
});
