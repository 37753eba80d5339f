/**
 * The one error type of polyshop. `code` is stable (clients may branch on it, e.g.
 * `INVENTORY.INSUFFICIENT_STOCK`); `kind` says what went wrong in transport-neutral terms and is
 * the only thing the HTTP layer looks at to pick a status code.
 */
export type ErrorKind =
  | 'invalid_input'
  | 'unauthorized'
  | 'forbidden'
  | 'not_found'
  | 'method_not_allowed'
  | 'conflict'
  | 'precondition_failed'
  | 'precondition_required'
  | 'payload_too_large'
  | 'uri_too_long'
  | 'unsupported_media_type'
  | 'rate_limited'
  | 'unavailable'
  | 'internal';

/** One offending input, named by its path in the request (`items/0/quantity`, `attr.storage`). */
export interface FieldError {
  field: string;
  message: string;
}

export interface AppErrorOptions {
  /** The request field at fault, when one is. */
  field?: string;
  /** Several offending fields at once (validation). */
  errors?: FieldError[];
  /** Extra machine-readable detail, e.g. `{ shortages: [...] }`; becomes problem+json extension members. */
  details?: Record<string, unknown>;
  cause?: unknown;
}

export class AppError extends Error {
  readonly code: string;
  readonly kind: ErrorKind;
  readonly field: string | undefined;
  readonly errors: FieldError[] | undefined;
  readonly details: Record<string, unknown> | undefined;

  constructor(kind: ErrorKind, code: string, message: string, options: AppErrorOptions = {}) {
    super(message, options.cause === undefined ? undefined : { cause: options.cause });
    this.name = 'AppError';
    this.kind = kind;
    this.code = code;
    this.field = options.field ?? options.errors?.[0]?.field;
    this.errors = options.errors ?? (options.field ? [{ field: options.field, message }] : undefined);
    this.details = options.details;
  }

  static invalidInput(code: string, message: string, options?: AppErrorOptions): AppError {
    return new AppError('invalid_input', code, message, options);
  }
  static notFound(code: string, message: string, options?: AppErrorOptions): AppError {
    return new AppError('not_found', code, message, options);
  }
  static conflict(code: string, message: string, options?: AppErrorOptions): AppError {
    return new AppError('conflict', code, message, options);
  }
  static unauthorized(code: string, message: string, options?: AppErrorOptions): AppError {
    return new AppError('unauthorized', code, message, options);
  }
  static forbidden(code: string, message: string, options?: AppErrorOptions): AppError {
    return new AppError('forbidden', code, message, options);
  }
  static unavailable(code: string, message: string, options?: AppErrorOptions): AppError {
    return new AppError('unavailable', code, message, options);
  }
}

export function isAppError(error: unknown): error is AppError {
  return error instanceof AppError;
}
