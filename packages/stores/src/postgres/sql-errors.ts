/** SQLSTATE codes polyshop adapters react to. */
export const SqlState = {
  uniqueViolation: '23505',
  foreignKeyViolation: '23503',
  checkViolation: '23514',
  notNullViolation: '23502',
  serializationFailure: '40001',
  deadlockDetected: '40P01',
  raiseException: 'P0001',
  invalidTextRepresentation: '22P02',
} as const;

interface DriverError {
  code?: string;
  constraint?: string;
}

/** The SQLSTATE of a driver error from either engine, if it carries one. */
export function sqlStateOf(error: unknown): string | undefined {
  const code = (error as DriverError | null)?.code;
  return typeof code === 'string' && code.length === 5 ? code : undefined;
}

/** The violated constraint's name, when the server reported one. */
export function constraintOf(error: unknown): string | undefined {
  return (error as DriverError | null)?.constraint ?? undefined;
}

export function isUniqueViolation(error: unknown, constraint?: string): boolean {
  return (
    sqlStateOf(error) === SqlState.uniqueViolation && (!constraint || constraintOf(error) === constraint)
  );
}

export function isForeignKeyViolation(error: unknown, constraint?: string): boolean {
  return (
    sqlStateOf(error) === SqlState.foreignKeyViolation && (!constraint || constraintOf(error) === constraint)
  );
}

/** Errors that a retry of the whole transaction may resolve. */
export function isTransientTransactionError(error: unknown): boolean {
  const state = sqlStateOf(error);
  return state === SqlState.serializationFailure || state === SqlState.deadlockDetected;
}
