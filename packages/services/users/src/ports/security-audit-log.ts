import type { AuditEntry, AuditQuery, NewAuditEntry } from '../domain/audit-entry.ts';

/** The append-only security audit trail. Rows are never changed except to remove personal data. */
export interface SecurityAuditLog {
  append(entry: NewAuditEntry): Promise<void>;
  /** Rows matching the filter, newest first. */
  query(filter: AuditQuery): Promise<AuditEntry[]>;
  /**
   * Removes personal data (email, IP, user agent) from every row about the user: as actor, as
   * target, or naming one of `emails` (failed logins). The rows themselves are kept.
   */
  redactUser(userId: string, emails: string[], at: Date): Promise<number>;
}
