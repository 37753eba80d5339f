import { AppError, isUuid } from '@polyshop/kernel';
import type { NotificationRecord } from './notification.ts';

/** Where a page of the delivery log (newest first) ends: the last record's creation time and id. */
export interface RecordPosition {
  createdAt: string;
  id: string;
}

/** The opaque cursor of the page after `record`, the same on every store. */
export function encodeRecordCursor(record: NotificationRecord): string {
  return Buffer.from(JSON.stringify([record.createdAt, record.id])).toString('base64url');
}

/** Reads a cursor this service issued; anything else is a 400 naming `cursor`. */
export function decodeRecordCursor(cursor: string): RecordPosition {
  try {
    const value = JSON.parse(Buffer.from(cursor, 'base64url').toString('utf8')) as unknown;
    if (
      Array.isArray(value) &&
      value.length === 2 &&
      !Number.isNaN(Date.parse(String(value[0]))) &&
      isUuid(value[1])
    ) {
      return { createdAt: String(value[0]), id: value[1] };
    }
  } catch {
    // fall through to the error below
  }
  throw AppError.invalidInput('NOTIFICATIONS.INVALID_CURSOR', 'The cursor is not one this service issued.', {
    field: 'cursor',
  });
}
