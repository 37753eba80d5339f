import { isUtf8 } from 'node:buffer';
import type { FastifyInstance, FastifyRequest } from 'fastify';
import { AppError } from '@polyshop/kernel';

/** NUL (PostgreSQL's text cannot hold it) or a lone surrogate (half a character: not Unicode text). */
// eslint-disable-next-line no-control-regex -- NUL is exactly what is looked for
const UNSTORABLE = /\u0000|\p{Cs}/u;

const PARTS = ['params', 'querystring', 'headers', 'body'] as const;
type Part = (typeof PARTS)[number];

function valueOf(request: FastifyRequest, part: Part): unknown {
  return part === 'querystring' ? request.query : request[part];
}

/** `items.0.name` for a member of a body; a key that is itself the fault is named as its parent's member. */
function fieldName(path: readonly (string | number)[], part: Part): string {
  return path.length === 0 ? part : path.map((step) => String(step).replace(UNSTORABLE, '?')).join('.');
}

/**
 * The first string (value or key) in `value` that is not storable text, by its path; walks without
 * recursion, so no body nests deep enough to exhaust the stack.
 */
export function findUnstorableText(value: unknown): { path: (string | number)[]; text: string } | undefined {
  const pending: { value: unknown; path: (string | number)[] }[] = [{ value, path: [] }];
  while (pending.length > 0) {
    const next = pending.pop()!;
    if (typeof next.value === 'string') {
      if (UNSTORABLE.test(next.value)) return { path: next.path, text: next.value };
    } else if (Array.isArray(next.value)) {
      next.value.forEach((item, index) => pending.push({ value: item, path: [...next.path, index] }));
    } else if (next.value !== null && typeof next.value === 'object') {
      for (const [key, member] of Object.entries(next.value)) {
        if (UNSTORABLE.test(key)) return { path: [...next.path, key], text: key };
        pending.push({ value: member, path: [...next.path, key] });
      }
    }
  }
  return undefined;
}

/** The request's first string that is not storable text, as the 400 that names it; `undefined` when all are. */
export function unstorableTextError(request: FastifyRequest): AppError | undefined {
  for (const part of PARTS) {
    const found = findUnstorableText(valueOf(request, part));
    if (!found) continue;
    const field = fieldName(found.path, part);
    const what = found.text.includes('\0')
      ? 'contains a NUL character'
      : 'contains a lone surrogate (not Unicode)';
    return AppError.invalidInput('REQUEST.INVALID_TEXT', `${field} ${what}.`, {
      field,
      details: { in: part },
    });
  }
  return undefined;
}

/**
 * Text every route accepts, as one rule before any schema runs: a body is JSON (any other type, text/plain
 * included, is a 415) in UTF-8 (not silently turned into U+FFFD), and no string anywhere in the request —
 * path, query, header, body value or key — holds NUL or a lone surrogate. Each is a 400 naming the field,
 * never a store error.
 */
export function installTextRules(app: FastifyInstance): void {
  const parseJson = app.getDefaultJsonParser('error', 'error');
  app.removeContentTypeParser(['application/json', 'text/plain']);
  app.addContentTypeParser('application/json', { parseAs: 'buffer' }, (request, body, done) => {
    const bytes = body as Buffer;
    if (!isUtf8(bytes)) {
      done(
        AppError.invalidInput('REQUEST.INVALID_UTF8', 'The body is not UTF-8 text.', { field: 'body' }),
        undefined,
      );
      return;
    }
    void parseJson(request, bytes.toString('utf8'), done);
  });
  app.addHook('preValidation', async (request) => {
    const error = unstorableTextError(request);
    if (error) throw error;
  });
}
