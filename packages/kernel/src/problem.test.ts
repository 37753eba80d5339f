import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { AppError, type ErrorKind } from './errors.ts';
import { statusOf, toProblem } from './problem.ts';

describe('toProblem', () => {
  it('maps every kind to its HTTP status', () => {
    const expected: Record<ErrorKind, number> = {
      invalid_input: 400,
      unauthorized: 401,
      forbidden: 403,
      not_found: 404,
      method_not_allowed: 405,
      conflict: 409,
      precondition_failed: 412,
      payload_too_large: 413,
      uri_too_long: 414,
      unsupported_media_type: 415,
      precondition_required: 428,
      rate_limited: 429,
      internal: 500,
      unavailable: 503,
    };
    for (const [kind, status] of Object.entries(expected)) {
      assert.equal(statusOf(kind as ErrorKind), status, kind);
      assert.equal(toProblem(new AppError(kind as ErrorKind, 'X.Y', 'm')).status, status, kind);
    }
  });

  it('builds an RFC 9457 document with code, field, errors and extension members', () => {
    const error = AppError.conflict('INVENTORY.INSUFFICIENT_STOCK', 'Not enough stock.', {
      field: 'items',
      details: { shortages: [{ sku: 'A', requested: 2, available: 1 }] },
    });
    assert.deepEqual(toProblem(error, '/inventory/reservations'), {
      type: 'https://polyshop.dev/problems/inventory-insufficient-stock',
      title: 'Conflict',
      status: 409,
      detail: 'Not enough stock.',
      code: 'INVENTORY.INSUFFICIENT_STOCK',
      instance: '/inventory/reservations',
      field: 'items',
      errors: [{ field: 'items', message: 'Not enough stock.' }],
      shortages: [{ sku: 'A', requested: 2, available: 1 }],
    });
  });

  it('takes the first of several field errors as the field', () => {
    const problem = toProblem(
      AppError.invalidInput('REQUEST.VALIDATION', 'bad', {
        errors: [
          { field: 'email', message: 'must be an email' },
          { field: 'password', message: 'too weak' },
        ],
      }),
    );
    assert.equal(problem.field, 'email');
    assert.equal(problem.errors?.length, 2);
  });

  it('never lets details overwrite the standard members', () => {
    const problem = toProblem(
      AppError.notFound('X.GONE', 'gone', { details: { status: 200, code: 'OK', extra: 1 } }),
    );
    assert.equal(problem.status, 404);
    assert.equal(problem.code, 'X.GONE');
    assert.equal(problem.extra, 1);
  });

  it('turns an unknown error into a 500 without leaking its message', () => {
    const problem = toProblem(new Error('password=hunter2 at db.internal:5432'));
    assert.equal(problem.status, 500);
    assert.equal(problem.code, 'INTERNAL');
    assert.doesNotMatch(JSON.stringify(problem), /hunter2|db\.internal/);
  });
});
