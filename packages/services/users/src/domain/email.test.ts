import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { AppError } from '@polyshop/kernel';
import { parseEmail } from './email.ts';

describe('email', () => {
  it('normalises case and surrounding spaces', () => {
    assert.equal(parseEmail('  Ada.Lovelace+shop@Example.COM '), 'ada.lovelace+shop@example.com');
  });

  it('refuses what does not look like an address, naming the field', () => {
    for (const bad of [
      '',
      'ada',
      'ada@',
      '@example.com',
      'ada@example',
      'a da@example.com',
      'ada@exa_mple.com',
      `${'a'.repeat(250)}@example.com`,
    ]) {
      assert.throws(
        () => parseEmail(bad),
        (error: unknown) => error instanceof AppError && error.field === 'email',
        bad,
      );
    }
  });
});
