import { AppError, newId } from '@polyshop/kernel';
import { normalizeEmail } from '../domain/email.ts';
import { retryAfterSeconds } from '../domain/login-backoff.ts';
import type { UsersTransaction } from '../ports/users-store.ts';
import { hashRefreshToken, newRefreshToken } from './token-service.ts';
import type { RequestMeta, UsersDeps } from './users-deps.ts';

/** What a login or a refresh returns to the client. */
export interface TokenPair {
  accessToken: string;
  refreshToken: string;
  /** Seconds until the access token expires. */
  expiresIn: number;
  tokenType: 'Bearer';
}

/**
 * Quiet throttle streaks each failed login deletes: more than one failure adds, so the table holds
 * only live streaks however many addresses fail once and go away.
 */
const FORGET_PER_FAILURE = 20;

const invalidCredentials = () =>
  AppError.unauthorized('AUTH.INVALID_CREDENTIALS', 'The email or password is wrong.');
const invalidRefreshToken = () =>
  AppError.unauthorized('AUTH.REFRESH_TOKEN_INVALID', 'The refresh token is not valid.');

function tooManyAttempts(retryAfter: number): AppError {
  return new AppError(
    'rate_limited',
    'AUTH.TOO_MANY_ATTEMPTS',
    `Too many failed logins; try again in ${retryAfter} s.`,
    {
      details: { retryAfter },
    },
  );
}

/**
 * The throttling keys of a login attempt: the (client address, account) pair, and the client
 * address alone. There is no per-account key, so failures from elsewhere never hold the owner up.
 */
function throttleKeys(deps: UsersDeps, email: string, ip: string) {
  const { config } = deps;
  const maxDelayMs = config.USERS_LOGIN_THROTTLE_WINDOW_SECONDS * 1000;
  const baseDelayMs = config.USERS_LOGIN_BACKOFF_BASE_MS;
  return {
    // The address first: it holds no `|`, so no two (address, email) pairs share a key.
    pair: {
      key: `account-ip:${ip}|${email}`,
      policy: { freeFailures: config.USERS_LOGIN_MAX_FAILURES_PER_ACCOUNT, baseDelayMs, maxDelayMs },
    },
    address: {
      key: `ip:${ip}`,
      policy: { freeFailures: config.USERS_LOGIN_MAX_FAILURES_PER_IP, baseDelayMs, maxDelayMs },
    },
  };
}

/**
 * Checks the password and opens a session. Unknown email and wrong password get the same answer
 * (and the same work, throttling included). Failures are counted per (client address, account) and
 * per client address; past the free ones each failure doubles the key's wait (429 with
 * `retry-after` until then), and a success clears the pair's count.
 */
export async function logIn(
  deps: UsersDeps,
  input: { email: string; password: string },
  meta: RequestMeta,
): Promise<TokenPair> {
  const { store, clock, config, hasher } = deps;
  const email = normalizeEmail(input.email);
  const forgetAfterMs = config.USERS_LOGIN_THROTTLE_WINDOW_SECONDS * 1000;
  const { pair, address } = throttleKeys(deps, email, meta.ip ?? 'unknown');
  const keys = [pair, address];
  const now = clock.now();
  const waits = await Promise.all(
    keys.map(async ({ key, policy }) =>
      retryAfterSeconds(await store.throttle.streakOf(key, forgetAfterMs, now), policy, now),
    ),
  );
  const retryAfter = Math.max(0, ...waits);
  const user = await store.users.findByEmail(email);
  if (retryAfter > 0) {
    await store.audit.append({
      occurredAt: now,
      type: 'login.throttled',
      targetUserId: user?.id,
      email,
      ip: meta.ip,
      userAgent: meta.userAgent,
    });
    throw tooManyAttempts(retryAfter);
  }
  const ok = user?.passwordHash
    ? await hasher.verify(input.password, user.passwordHash)
    : await hasher.verifyNothing(input.password);
  if (!user || !ok) {
    await store.transaction(async (tx) => {
      for (const { key } of keys) await tx.throttle.recordFailure(key, forgetAfterMs, now);
      await tx.throttle.forgetQuiet(forgetAfterMs, now, FORGET_PER_FAILURE);
      await tx.audit.append({
        occurredAt: now,
        type: 'login.failed',
        targetUserId: user?.id,
        email,
        ip: meta.ip,
        userAgent: meta.userAgent,
        details: { reason: user ? 'wrong_password' : 'unknown_email' },
      });
    });
    throw invalidCredentials();
  }
  const refreshToken = await store.transaction(async (tx) => {
    await tx.throttle.reset(pair.key);
    const token = await openSession(deps, tx, user.id, meta);
    await tx.audit.append({
      occurredAt: now,
      type: 'login.succeeded',
      actorId: user.id,
      targetUserId: user.id,
      ip: meta.ip,
      userAgent: meta.userAgent,
    });
    return token;
  });
  return tokenPair(deps, user.id, refreshToken);
}

async function openSession(deps: UsersDeps, tx: UsersTransaction, userId: string, meta: RequestMeta) {
  const now = deps.clock.now();
  const sessionId = newId();
  await tx.sessions.createSession({
    id: sessionId,
    userId,
    createdAt: now,
    expiresAt: new Date(now.getTime() + deps.config.USERS_REFRESH_TOKEN_TTL_SECONDS * 1000),
    revokedAt: undefined,
    revokedReason: undefined,
    ip: meta.ip,
    userAgent: meta.userAgent,
  });
  const token = newRefreshToken();
  await tx.sessions.addRefreshToken(sessionId, hashRefreshToken(token), now);
  return { sessionId, token };
}

async function tokenPair(
  deps: UsersDeps,
  userId: string,
  refresh: { sessionId: string; token: string },
): Promise<TokenPair> {
  const access = await deps.tokens.issueAccessToken({ userId, sessionId: refresh.sessionId });
  return {
    accessToken: access.token,
    refreshToken: refresh.token,
    expiresIn: access.expiresIn,
    tokenType: 'Bearer',
  };
}

type RefreshOutcome =
  { ok: true; userId: string; sessionId: string; token: string } | { ok: false; error: AppError };

/**
 * Exchanges a refresh token for a new pair; the old one is spent. Presenting a spent token again
 * means it leaked: the whole session (token family) is revoked, its access tokens included.
 */
export async function refreshSession(
  deps: UsersDeps,
  refreshToken: string,
  meta: RequestMeta,
): Promise<TokenPair> {
  const now = deps.clock.now();
  const outcome = await deps.store.transaction(async (tx): Promise<RefreshOutcome> => {
    const record = await tx.sessions.findRefreshTokenForUpdate(hashRefreshToken(refreshToken));
    if (!record || record.session.revokedAt || record.session.expiresAt <= now)
      return { ok: false, error: invalidRefreshToken() };
    if (record.usedAt) {
      // Committed even though the request fails: the family stays revoked.
      await tx.sessions.revokeSession(record.sessionId, now, 'refresh_token_reuse');
      await tx.audit.append({
        occurredAt: now,
        type: 'token.reuse_detected',
        targetUserId: record.userId,
        ip: meta.ip,
        userAgent: meta.userAgent,
        details: { sessionId: record.sessionId },
      });
      return {
        ok: false,
        error: AppError.unauthorized(
          'AUTH.REFRESH_TOKEN_REUSED',
          'The refresh token was already used; the session is revoked.',
        ),
      };
    }
    const user = await tx.users.findById(record.userId);
    if (user?.status !== 'active') return { ok: false, error: invalidRefreshToken() };
    await tx.sessions.markRefreshTokenUsed(record.tokenHash, now);
    const token = newRefreshToken();
    await tx.sessions.addRefreshToken(record.sessionId, hashRefreshToken(token), now);
    return { ok: true, userId: record.userId, sessionId: record.sessionId, token };
  });
  if (!outcome.ok) throw outcome.error;
  return tokenPair(deps, outcome.userId, outcome);
}

/**
 * Ends a session, found by its access token or by one of its refresh tokens; its tokens stop working
 * on the next request. `unauthorized` when neither identifies a session of this service.
 */
export async function logOut(
  deps: UsersDeps,
  credentials: { accessToken?: string | undefined; refreshToken?: string | undefined },
  meta: RequestMeta,
): Promise<void> {
  let sessionId: string | undefined;
  if (credentials.accessToken) {
    sessionId = (await deps.tokens.verifyAccessToken(credentials.accessToken)).sessionId;
  } else if (credentials.refreshToken) {
    sessionId = (
      await deps.store.sessions.findRefreshTokenForUpdate(hashRefreshToken(credentials.refreshToken))
    )?.sessionId;
  }
  const session = sessionId ? await deps.store.sessions.findSession(sessionId) : undefined;
  if (!session)
    throw AppError.unauthorized(
      'AUTH.TOKEN_MISSING',
      'Send the access token (Authorization: Bearer) or the refresh token to log out.',
    );
  const now = deps.clock.now();
  await deps.store.transaction(async (tx) => {
    if (!(await tx.sessions.revokeSession(session.id, now, 'logout'))) return;
    await tx.audit.append({
      occurredAt: now,
      type: 'logout',
      actorId: session.userId,
      targetUserId: session.userId,
      ip: meta.ip,
      userAgent: meta.userAgent,
      details: { sessionId: session.id },
    });
  });
}
