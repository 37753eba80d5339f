import type { Session } from '../domain/user.ts';

/** A stored refresh token (by hash) and the state of its session. */
export interface RefreshTokenRecord {
  tokenHash: string;
  sessionId: string;
  userId: string;
  issuedAt: Date;
  /** Set once the token was exchanged; a second use is a replay. */
  usedAt: Date | undefined;
  session: Session;
}

/** Sessions (token families) and their rotating refresh tokens, stored only as hashes. */
export interface SessionRepository {
  createSession(session: Session): Promise<void>;
  /** Records a refresh token of a session. */
  addRefreshToken(sessionId: string, tokenHash: string, issuedAt: Date): Promise<void>;
  /**
   * The token with this hash, locked against a concurrent exchange until the surrounding
   * transaction ends (two refreshes with one token: one wins, the other sees it used).
   */
  findRefreshTokenForUpdate(tokenHash: string): Promise<RefreshTokenRecord | undefined>;
  /** Marks a token exchanged. */
  markRefreshTokenUsed(tokenHash: string, at: Date): Promise<void>;
  /** Revokes a session (its refresh tokens and access tokens stop working). False if it was already revoked. */
  revokeSession(sessionId: string, at: Date, reason: string): Promise<boolean>;
  /** Revokes every open session of the user; returns how many. */
  revokeAllSessions(userId: string, at: Date, reason: string): Promise<number>;
  findSession(sessionId: string): Promise<Session | undefined>;
  listSessions(userId: string): Promise<Session[]>;
  /** Clears the personal data (IP, user agent) of the user's sessions. */
  redactSessions(userId: string): Promise<void>;
}
