import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { AppError, newId } from '@polyshop/kernel';
import type { Session, User } from '../../src/domain/user.ts';
import type { UsersStore } from '../../src/ports/users-store.ts';

/** A store under test and how to dispose of it. */
export interface UsersStoreFixture {
  store: UsersStore;
  close(): Promise<void>;
}

const T0 = new Date('2026-03-01T10:00:00.000Z');
const at = (seconds: number) => new Date(T0.getTime() + seconds * 1000);

/** A user with defaults; override what the test is about. */
export function aUser(overrides: Partial<User> = {}): User {
  const id = newId();
  return {
    id,
    email: `u-${id.slice(-12)}@example.com`,
    name: 'Test User',
    passwordHash: 'scrypt$16384$8$1$c2FsdA$aGFzaA',
    status: 'active',
    createdAt: T0,
    erasedAt: undefined,
    ...overrides,
  };
}

function aSession(userId: string, overrides: Partial<Session> = {}): Session {
  return {
    id: newId(),
    userId,
    createdAt: T0,
    expiresAt: at(3600),
    revokedAt: undefined,
    revokedReason: undefined,
    ip: '127.0.0.1',
    userAgent: 'Test/1',
    ...overrides,
  };
}

const hasCode = (code: string) => (error: unknown) => error instanceof AppError && error.code === code;

/**
 * The behaviour every `UsersStore` adapter must have: unique emails (case-insensitive), referential
 * integrity reported as not-found / conflict errors (never driver errors), consistent access reads,
 * rotating refresh tokens, an append-only audit log with redaction, and windowed login counters.
 */
export function usersStoreContract(
  name: string,
  makeStore: () => Promise<UsersStoreFixture>,
  options: { skip?: string | false } = {},
): void {
  describe(`UsersStore contract: ${name}`, { skip: options.skip ?? false }, () => {
    let fixture: UsersStoreFixture;
    let store: UsersStore;
    before(async () => {
      fixture = await makeStore();
      store = fixture.store;
    });
    after(() => fixture?.close());

    it('finds users by id and by email whatever its case; a malformed id finds nothing', async () => {
      const user = aUser();
      await store.users.create(user);
      assert.equal((await store.users.findById(user.id))?.email, user.email);
      assert.equal((await store.users.findByEmail(user.email!.toUpperCase()))?.id, user.id);
      assert.equal(await store.users.findById('not-a-uuid'), undefined);
      assert.equal(await store.users.findByEmail('nobody@example.com'), undefined);
    });

    it('rejects a second account with the same email in another case as a conflict on the email', async () => {
      const user = aUser();
      await store.users.create(user);
      await assert.rejects(
        store.users.create(aUser({ email: user.email!.toUpperCase() })),
        hasCode('USERS.EMAIL_TAKEN'),
      );
    });

    it('erases personal data once; the email is free again', async () => {
      const user = aUser();
      await store.users.create(user);
      assert.equal(await store.users.erase(user.id, at(10)), true);
      assert.equal(await store.users.erase(user.id, at(11)), false);
      const erased = await store.users.findById(user.id);
      assert.deepEqual(
        {
          email: erased?.email,
          name: erased?.name,
          hash: erased?.passwordHash,
          status: erased?.status,
          erasedAt: erased?.erasedAt?.toISOString(),
        },
        {
          email: undefined,
          name: undefined,
          hash: undefined,
          status: 'erased',
          erasedAt: at(10).toISOString(),
        },
      );
      assert.equal(await store.users.findByEmail(user.email!), undefined);
      await store.users.create(aUser({ email: user.email }));
    });

    it('keeps roles, permissions and assignments consistent: unknown ids are not-found errors, never dangling rows', async () => {
      const user = aUser();
      await store.users.create(user);
      const role = { id: newId(), name: `r-${newId().slice(-8)}`, description: '', createdAt: T0 };
      await store.roles.createRole(role);
      await assert.rejects(
        store.roles.createRole({ ...role, id: newId(), name: role.name.toUpperCase() }),
        hasCode('USERS.ROLE_NAME_TAKEN'),
      );
      await assert.rejects(
        store.roles.assignRole(user.id, newId(), T0, undefined),
        hasCode('USERS.ROLE_NOT_FOUND'),
      );
      await assert.rejects(
        store.roles.assignRole(newId(), role.id, T0, undefined),
        hasCode('USERS.USER_NOT_FOUND'),
      );
      await assert.rejects(
        store.roles.grantPermission(newId(), { resource: 'a', action: 'b' }, T0, newId),
        hasCode('USERS.ROLE_NOT_FOUND'),
      );
      assert.deepEqual(await store.roles.rolesOf(user.id), []);
      assert.equal(await store.roles.assignRole(user.id, role.id, T0, 'admin'), true);
      assert.equal(await store.roles.assignRole(user.id, role.id, T0, 'admin'), false);
      assert.equal(await store.roles.unassignRole(user.id, role.id), true);
      assert.equal(await store.roles.unassignRole(user.id, role.id), false);
    });

    it('counts the active holders of a permission, wildcards included, each user once', async () => {
      const resource = `res-${newId().slice(-8)}`;
      const base = await store.roles.countActiveHolders(resource, 'admin');
      const holder = async (...permissions: Array<[string, string]>) => {
        const user = aUser();
        await store.users.create(user);
        for (const [index, [res, action]] of permissions.entries()) {
          const role = {
            id: newId(),
            name: `h${index}-${newId().slice(-8)}`,
            description: '',
            createdAt: T0,
          };
          await store.roles.createRole(role);
          await store.roles.grantPermission(role.id, { resource: res, action }, T0, newId);
          await store.roles.assignRole(user.id, role.id, T0, undefined);
        }
        return user;
      };
      const direct = await holder([resource, 'admin'], [resource, '*']);
      await holder([resource, '*']);
      await holder(['*', 'admin']);
      await holder([resource, 'read']);
      await holder([`${resource}x`, 'admin']);
      assert.equal(await store.roles.countActiveHolders(resource, 'admin'), base + 3);
      await store.users.erase(direct.id, T0);
      assert.equal(await store.roles.countActiveHolders(resource, 'admin'), base + 2);
    });

    it('holds the permission-withdrawal lock until the transaction ends', async () => {
      const events: string[] = [];
      let release!: () => void;
      const held = new Promise<void>((resolve) => (release = resolve));
      let locked!: () => void;
      const lockTaken = new Promise<void>((resolve) => (locked = resolve));
      const first = store.transaction(async (tx) => {
        await tx.roles.lockPermissionWithdrawals();
        events.push('first locked');
        locked();
        await held;
        events.push('first ends');
      });
      await lockTaken;
      const second = store.transaction(async (tx) => {
        await tx.roles.lockPermissionWithdrawals();
        events.push('second locked');
      });
      await new Promise((resolve) => setTimeout(resolve, 200));
      release();
      await Promise.all([first, second]);
      assert.deepEqual(events, ['first locked', 'first ends', 'second locked']);
    });

    it('grants a permission once and shares the permission between roles', async () => {
      const a = { id: newId(), name: `a-${newId().slice(-8)}`, description: '', createdAt: T0 };
      const b = { id: newId(), name: `b-${newId().slice(-8)}`, description: '', createdAt: T0 };
      await store.roles.createRole(a);
      await store.roles.createRole(b);
      const first = await store.roles.grantPermission(
        a.id,
        { resource: 'orders', action: 'read' },
        T0,
        newId,
      );
      const again = await store.roles.grantPermission(
        a.id,
        { resource: 'orders', action: 'read' },
        T0,
        newId,
      );
      const other = await store.roles.grantPermission(
        b.id,
        { resource: 'orders', action: 'read' },
        T0,
        newId,
      );
      assert.deepEqual([first.granted, again.granted, other.granted], [true, false, true]);
      assert.equal(again.permission.id, first.permission.id);
      assert.equal(other.permission.id, first.permission.id);
      assert.equal(await store.roles.revokePermission(a.id, first.permission.id), true);
      assert.deepEqual((await store.roles.findRole(a.id))?.permissions, []);
      assert.equal((await store.roles.findRole(b.id))?.permissions.length, 1);
    });

    it('reads access from the current roles and only through a live session of the user', async () => {
      const user = aUser();
      await store.users.create(user);
      const role = { id: newId(), name: `w-${newId().slice(-8)}`, description: '', createdAt: T0 };
      await store.roles.createRole(role);
      await store.roles.grantPermission(role.id, { resource: 'products', action: 'write' }, T0, newId);
      await store.roles.grantPermission(role.id, { resource: 'products', action: 'read' }, T0, newId);
      await store.roles.assignRole(user.id, role.id, T0, undefined);
      const session = aSession(user.id);
      await store.sessions.createSession(session);
      const access = await store.users.findAccess(user.id, { sessionId: session.id, at: at(1) });
      assert.deepEqual(access, {
        userId: user.id,
        email: user.email,
        status: 'active',
        roles: [role.name],
        permissions: ['products:read', 'products:write'],
      });
      assert.equal(
        await store.users.findAccess(user.id, { sessionId: session.id, at: at(7200) }),
        undefined,
        'expired session',
      );
      const stranger = aUser();
      await store.users.create(stranger);
      assert.equal(
        await store.users.findAccess(stranger.id, { sessionId: session.id, at: at(1) }),
        undefined,
        'another user’s session',
      );
      assert.equal(await store.sessions.revokeSession(session.id, at(2), 'logout'), true);
      assert.equal(await store.sessions.revokeSession(session.id, at(3), 'logout'), false);
      assert.equal(
        await store.users.findAccess(user.id, { sessionId: session.id, at: at(4) }),
        undefined,
        'revoked session',
      );
    });

    it('answers many access checks at once each for its own user, session and time (live, expired, revoked, another user’s; one session both live and expired)', async () => {
      const users = [aUser(), aUser(), aUser()];
      for (const user of users) await store.users.create(user);
      const sessions = users.map((user) => aSession(user.id));
      for (const session of sessions) await store.sessions.createSession(session);
      await store.sessions.revokeSession(sessions[2]!.id, at(1), 'logout');
      const checks: [string, string | undefined, number][] = [
        [users[0]!.id, sessions[0]!.id, 2],
        [users[1]!.id, sessions[1]!.id, 7200],
        [users[2]!.id, sessions[2]!.id, 2],
        [users[0]!.id, sessions[1]!.id, 2],
        [users[1]!.id, undefined, 2],
        [users[1]!.id, sessions[1]!.id, 2],
        // the same session as the first check, at the very moment it expires: no longer valid
        [users[0]!.id, sessions[0]!.id, 3600],
      ];
      const answers = await Promise.all(
        checks.map(([userId, sessionId, seconds]) =>
          store.users.findAccess(userId, { ...(sessionId ? { sessionId } : {}), at: at(seconds) }),
        ),
      );
      assert.deepEqual(
        answers.map((access) => access?.userId),
        [users[0]!.id, undefined, undefined, undefined, users[1]!.id, users[1]!.id, undefined],
      );
    });

    it('stores refresh tokens by hash, marks them used, and revokes and redacts a user’s sessions', async () => {
      const user = aUser();
      await store.users.create(user);
      const session = aSession(user.id);
      await store.sessions.createSession(session);
      await store.sessions.addRefreshToken(session.id, 'hash-1', T0);
      const record = await store.transaction((tx) => tx.sessions.findRefreshTokenForUpdate('hash-1'));
      assert.deepEqual(
        { sessionId: record?.sessionId, userId: record?.userId, usedAt: record?.usedAt },
        { sessionId: session.id, userId: user.id, usedAt: undefined },
      );
      await store.sessions.markRefreshTokenUsed('hash-1', at(5));
      assert.equal(
        (await store.sessions.findRefreshTokenForUpdate('hash-1'))?.usedAt?.toISOString(),
        at(5).toISOString(),
      );
      assert.equal(await store.sessions.findRefreshTokenForUpdate('unknown'), undefined);
      await store.sessions.createSession(aSession(user.id));
      assert.equal(await store.sessions.revokeAllSessions(user.id, at(6), 'erased'), 2);
      await store.sessions.redactSessions(user.id);
      const sessions = await store.sessions.listSessions(user.id);
      assert.ok(
        sessions.every(
          (s) => s.ip === undefined && s.userAgent === undefined && s.revokedReason === 'erased',
        ),
      );
    });

    it('appends audit entries, filters them newest first, and redacts a user’s personal data but keeps the rows', async () => {
      const user = aUser();
      await store.audit.append({
        occurredAt: at(1),
        type: 'login.failed',
        email: user.email,
        ip: '10.1.1.1',
        userAgent: 'UA',
      });
      await store.audit.append({
        occurredAt: at(2),
        type: 'login.succeeded',
        actorId: user.id,
        targetUserId: user.id,
        ip: '10.1.1.1',
      });
      await store.audit.append({
        occurredAt: at(3),
        type: 'role.created',
        actorId: 'system',
        details: { roleId: 'r' },
      });
      const mine = await store.audit.query({ userId: user.id, limit: 10 });
      assert.deepEqual(
        mine.map((e) => e.type),
        ['login.succeeded'],
      );
      const window = await store.audit.query({ from: at(1), to: at(3), limit: 10 });
      assert.ok(window.every((e) => e.occurredAt >= at(1) && e.occurredAt < at(3)));
      assert.ok(window.some((e) => e.type === 'login.failed' && e.email === user.email));
      assert.deepEqual(
        (await store.audit.query({ userId: 'system', type: 'role.created', limit: 10 })).map(
          (e) => e.details,
        ),
        [{ roleId: 'r' }],
      );
      assert.equal(await store.audit.redactUser(user.id, [user.email!.toUpperCase()], at(9)), 2);
      const kept = await store.audit.query({ from: at(1), to: at(4), limit: 10 });
      assert.deepEqual(
        kept.map((e) => [e.type, e.email, e.ip, e.userAgent, e.redactedAt?.toISOString()]),
        [
          ['role.created', undefined, undefined, undefined, undefined],
          ['login.succeeded', undefined, undefined, undefined, at(9).toISOString()],
          ['login.failed', undefined, undefined, undefined, at(9).toISOString()],
        ],
      );
    });

    it('counts a streak of failed logins, forgets it after a quiet spell, and counts concurrent failures', async () => {
      const key = `account-ip:127.0.0.1|${newId()}@example.com`;
      const forgetMs = 60_000;
      assert.equal(await store.throttle.streakOf(key, forgetMs, T0), undefined);
      assert.equal(await store.throttle.recordFailure(key, forgetMs, T0), 1);
      assert.equal(await store.throttle.recordFailure(key, forgetMs, at(50)), 2);
      // Quiet is measured from the latest failure, not the first.
      assert.deepEqual(await store.throttle.streakOf(key, forgetMs, at(100)), {
        failures: 2,
        lastFailedAt: at(50),
      });
      assert.equal(await store.throttle.streakOf(key, forgetMs, at(110)), undefined);
      assert.equal(await store.throttle.recordFailure(key, forgetMs, at(110)), 1);
      await Promise.all([1, 2, 3].map(() => store.throttle.recordFailure(key, forgetMs, at(111))));
      assert.equal(
        await store.throttle.recordFailure(key, forgetMs, at(112)),
        5,
        'concurrent failures are all counted',
      );
      await store.throttle.reset(key);
      assert.equal(await store.throttle.streakOf(key, forgetMs, at(113)), undefined);
    });

    it('deletes streaks gone quiet, oldest first and at most as many as asked, and keeps live ones', async () => {
      const forgetMs = 60_000;
      const everything = Number.MAX_SAFE_INTEGER / 2;
      const quiet = [1, 2, 3].map((n) => `ip:10.0.0.${n}-${newId()}`);
      const live = `ip:10.0.1.1-${newId()}`;
      for (const [n, key] of quiet.entries()) await store.throttle.recordFailure(key, forgetMs, at(n * 10));
      await store.throttle.recordFailure(live, forgetMs, at(50));
      const held = async (key: string) =>
        (await store.throttle.streakOf(key, everything, at(100))) !== undefined;
      // at(61) only the first is quiet (60 s since its failure); then the oldest first, 1 at a time
      assert.equal(await store.throttle.forgetQuiet(forgetMs, at(61), 100), 1);
      assert.deepEqual(await Promise.all([...quiet, live].map(held)), [false, true, true, true]);
      assert.equal(await store.throttle.forgetQuiet(forgetMs, at(80), 1), 1);
      assert.deepEqual(await Promise.all([...quiet, live].map(held)), [false, false, true, true]);
      assert.equal(await store.throttle.forgetQuiet(forgetMs, at(80), 100), 1);
      assert.deepEqual(await Promise.all([...quiet, live].map(held)), [false, false, false, true]);
      assert.equal(await store.throttle.recordFailure(live, forgetMs, at(85)), 2, 'the live streak went on');
    });

    it('keeps signing keys, oldest first, ignoring a second add of the same kid', async () => {
      const before = (await store.keys.list()).length;
      const key = {
        kid: `kid-${newId()}`,
        algorithm: 'EdDSA',
        privateJwk: { kty: 'OKP', crv: 'Ed25519', x: 'x', d: 'd' },
        publicJwk: { kty: 'OKP', crv: 'Ed25519', x: 'x' },
        createdAt: T0,
      };
      await store.keys.add(key);
      await store.keys.add({ ...key, createdAt: at(1) });
      const keys = await store.keys.list();
      assert.equal(keys.length, before + 1);
      assert.deepEqual(keys.find((k) => k.kid === key.kid)?.publicJwk, key.publicJwk);
    });

    it('commits a transaction whole or not at all', async () => {
      const user = aUser();
      await assert.rejects(
        store.transaction(async (tx) => {
          await tx.users.create(user);
          await tx.audit.append({ occurredAt: T0, type: 'user.registered', targetUserId: user.id });
          throw new Error('boom');
        }),
        /boom/,
      );
      assert.equal(await store.users.findById(user.id), undefined);
      assert.deepEqual(await store.audit.query({ userId: user.id, limit: 10 }), []);
    });
  });
}
