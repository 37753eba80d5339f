/** Kinds of security audit records. */
export const AUDIT_TYPES = [
  'user.registered',
  'login.succeeded',
  'login.failed',
  'login.throttled',
  'logout',
  'token.reuse_detected',
  'role.created',
  'role.permission_granted',
  'role.permission_revoked',
  'user.role_granted',
  'user.role_revoked',
  'user.erased',
  'user.exported',
  'admin.bootstrapped',
] as const;

export type AuditType = (typeof AUDIT_TYPES)[number];

/** One append-only security audit record. Personal fields (`email`, `ip`, `userAgent`) are cleared on erasure. */
export interface AuditEntry {
  id: number;
  occurredAt: Date;
  type: AuditType;
  /** Who did it: a user id, `service`, `system`, or undefined when anonymous (failed login). */
  actorId: string | undefined;
  /** The user it concerns. */
  targetUserId: string | undefined;
  email: string | undefined;
  ip: string | undefined;
  userAgent: string | undefined;
  /** Non-personal facts: role and permission ids and names, reasons. */
  details: Record<string, unknown>;
  redactedAt: Date | undefined;
}

/** A record to append (`id` and `redactedAt` are the log's). */
export type NewAuditEntry = Omit<
  AuditEntry,
  'id' | 'redactedAt' | 'actorId' | 'targetUserId' | 'email' | 'ip' | 'userAgent' | 'details'
> &
  Partial<Pick<AuditEntry, 'actorId' | 'targetUserId' | 'email' | 'ip' | 'userAgent' | 'details'>>;

/** Filter for reading the log; all bounds optional, newest first. */
export interface AuditQuery {
  /** Rows whose actor or target is this user. */
  userId?: string;
  type?: AuditType;
  from?: Date;
  to?: Date;
  /** Rows with an id below this (paging). */
  before?: number;
  limit: number;
}
