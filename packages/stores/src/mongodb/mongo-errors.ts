/**
 * The index a MongoDB duplicate-key error (code 11000) names, `''` when it names none, or
 * `undefined` for any other error. Read from the server's message (`… index: products_slug dup
 * key: …`), which real MongoDB and mongo-java-server both send, for single writes and for each
 * write error of a bulk write.
 */
export function duplicateKeyIndex(error: unknown): string | undefined {
  const failure = error as
    { code?: number; message?: string; writeErrors?: { code?: number; errmsg?: string }[] } | undefined;
  const writeErrors = Array.isArray(failure?.writeErrors) ? failure.writeErrors : [];
  const duplicate = failure?.code === 11000 || writeErrors.some((writeError) => writeError.code === 11000);
  if (!duplicate) return undefined;
  for (const message of [failure?.message, ...writeErrors.map((writeError) => writeError.errmsg)]) {
    const match = /index: (\S+) dup key/.exec(message ?? '');
    if (match) return match[1];
  }
  return '';
}
