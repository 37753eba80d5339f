import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { PasswordHasher } from './password-hasher.ts';

describe(PasswordHasher.name, () => {
  const hasher = new PasswordHasher({ cost: 1024 });

  it('hashes with a fresh salt each time and verifies only the right password', async () => {
    const a = await hasher.hash('Correct-Horse-42');
    const b = await hasher.hash('Correct-Horse-42');
    assert.notEqual(a, b);
    assert.match(a, /^scrypt\$1024\$8\$1\$/);
    assert.ok(!a.includes('Correct-Horse-42'));
    assert.equal(await hasher.verify('Correct-Horse-42', a), true);
    assert.equal(await hasher.verify('Correct-Horse-43', a), false);
  });

  it('verifies hashes made with another cost (the cost is part of the hash)', async () => {
    const old = await new PasswordHasher({ cost: 2048 }).hash('Correct-Horse-42');
    assert.equal(await hasher.verify('Correct-Horse-42', old), true);
  });

  it('never matches a malformed hash, and the dummy check says no', async () => {
    assert.equal(await hasher.verify('x', 'plain-text'), false);
    assert.equal(await hasher.verify('x', 'bcrypt$1$2$3$4$5'), false);
    assert.equal(await hasher.verifyNothing('anything'), false);
  });
});
