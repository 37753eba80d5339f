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

  it('throws invalid input naming the field', () => {
    assert.throws(
      () => assertStrongPassword('short'),
      (error: unknown) =>
        error instanceof AppError &&
        error.kind === 'invalid_input' &&
        error.field === 'password' &&
        error.code === 'USERS.WEAK_PASSWORD',
    );
  });
});
