import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { generateKeyPairSync } from 'node:crypto';
import { AppError, ManualClock } from '@polyshop/kernel';
import type { SqlDatabase } from '@polyshop/stores';
import { postgresTargets } from '@polyshop/testing';
import { PostgresUsersStore } from '../src/adapters/postgres/postgres-users-store.ts';
import { TokenService } from '../src/app/token-service.ts';

const hasCode = (code: string) => (error: unknown) => error instanceof AppError && error.code === code;

for (const target of postgresTargets()) {
  describe(`${TokenService.name} on ${target.name}`, { skip: target.skip }, () => {
    let db: SqlDatabase;
    let store: PostgresUsersStore;
    const clock = new ManualClock('2026-05-01T12:00:00Z');
    const make = (privateKey?: string) =>
      new TokenService({
        keys: store.keys,
        clock,
        issuer: 'polyshop-users',
        accessTokenTtlSeconds: 900,
        privateKey,
      });
    before(async () => {
      db = await target.open();
      store = await PostgresUsersStore.open(db);
    });
    after(() => target.close(db));

    it('generates a key on first start, stores it, and a second instance (restart, other process) verifies its tokens', async () => {
      const first = make();
      await first.init();
      assert.equal((await store.keys.list()).length, 1);
      const { token, expiresIn } = await first.issueAccessToken({ userId: 'u1', sessionId: 's1' });
      assert.equal(expiresIn, 900);
      const second = make();
      await second.init();
      assert.equal((await store.keys.list()).length, 1, 'no second key');
      assert.deepEqual(await second.verifyAccessToken(token), { userId: 'u1', sessionId: 's1' });
      const [header] = token.split('.');
      assert.equal(JSON.parse(Buffer.from(header!, 'base64url').toString()).alg, 'EdDSA');
    });

    it('rejects an expired token as AUTH.TOKEN_EXPIRED', async () => {
      const service = make();
      const { token } = await service.issueAccessToken({ userId: 'u1', sessionId: 's1' });
      clock.advance(901_000);
      await assert.rejects(service.verifyAccessToken(token), hasCode('AUTH.TOKEN_EXPIRED'));
    });

    it('a token verified once is still refused once expired, and a tampered copy is still refused', async () => {
      const service = make();
      const { token } = await service.issueAccessToken({ userId: 'u2', sessionId: 's2' });
      assert.deepEqual(await service.verifyAccessToken(token), { userId: 'u2', sessionId: 's2' });
      assert.deepEqual(await service.verifyAccessToken(token), { userId: 'u2', sessionId: 's2' });
      const [header, payload, signature] = token.split('.');
      const forged = Buffer.from(payload!, 'base64url').toString().replace('u2', 'u3');
      const tampered = [header, Buffer.from(forged).toString('base64url'), signature].join('.');
      await assert.rejects(service.verifyAccessToken(tampered), hasCode('AUTH.TOKEN_INVALID'));
      clock.advance(899_000);
      assert.deepEqual(await service.verifyAccessToken(token), { userId: 'u2', sessionId: 's2' });
      clock.advance(1_000);
      await assert.rejects(service.verifyAccessToken(token), hasCode('AUTH.TOKEN_EXPIRED'));
    });

    it('signs with a configured PEM key (P-256), and rejects tokens of a key it does not know', async () => {
      const pem = generateKeyPairSync('ec', { namedCurve: 'P-256' })
        .privateKey.export({ type: 'pkcs8', format: 'pem' })
        .toString();
      const configured = make(pem);
      await configured.init();
      const { token } = await configured.issueAccessToken({ userId: 'u2', sessionId: 's2' });
      assert.deepEqual(await configured.verifyAccessToken(token), { userId: 'u2', sessionId: 's2' });
      await assert.rejects(make().verifyAccessToken(token), hasCode('AUTH.TOKEN_INVALID'));
      await assert.rejects(make().verifyAccessToken('not.a.token'), hasCode('AUTH.TOKEN_INVALID'));
    });

    it('refuses a configured RSA key at start-up', async () => {
      const pem = generateKeyPairSync('rsa', { modulusLength: 2048 })
        .privateKey.export({ type: 'pkcs8', format: 'pem' })
        .toString();
      await assert.rejects(make(pem).init(), /Ed25519 or P-256/);
    });
  });
}
