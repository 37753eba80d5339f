import { AppError, type ErrorKind, type FieldError } from './errors.ts';

/** RFC 9457 problem details, with polyshop's extension members. */
export interface ProblemDetails {
  type: string;
  title: string;
  status: number;
  detail: string;
  code: string;
  instance?: string;
  field?: string;
  errors?: FieldError[];
  [extension: string]: unknown;
}

export const PROBLEM_CONTENT_TYPE = 'application/problem+json';

const STATUS: Record<ErrorKind, number> = {
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

const TITLE: Record<ErrorKind, string> = {
  invalid_input: 'Invalid input',
  unauthorized: 'Authentication required',
  forbidden: 'Forbidden',
  not_found: 'Not found',
  method_not_allowed: 'Method not allowed',
  conflict: 'Conflict',
  precondition_failed: 'Precondition failed',
  payload_too_large: 'Payload too large',
  uri_too_long: 'URI too long',
  unsupported_media_type: 'Unsupported media type',
  precondition_required: 'Precondition required',
  rate_limited: 'Too many requests',
  internal: 'Internal error',
  unavailable: 'Service unavailable',
};

export function statusOf(kind: ErrorKind): number {
  return STATUS[kind];
}

/**
 * Maps any thrown value to problem details. Unknown errors become a 500 whose detail never leaks
 * the internal message (it goes to the log instead).
 */
export function toProblem(error: unknown, instance?: string): ProblemDetails {
  const appError = isApp(error)
    ? error
    : new AppError('internal', 'INTERNAL', 'An unexpected error occurred.');
  const problem: ProblemDetails = {
    type: `https://polyshop.dev/problems/${appError.code.toLowerCase().replace(/[._]/g, '-')}`,
    title: TITLE[appError.kind],
    status: STATUS[appError.kind],
    detail: appError.message,
    code: appError.code,
  };
  if (instance) problem.instance = instance;
  if (appError.field) problem.field = appError.field;
  if (appError.errors?.length) problem.errors = appError.errors;
  for (const [key, value] of Object.entries(appError.details ?? {})) {
    if (!(key in problem)) problem[key] = value;
  }
  return problem;
}

function isApp(error: unknown): error is AppError {
  return error instanceof AppError;
}
