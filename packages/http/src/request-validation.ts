import AjvCompiler, { type ValidatorFactory } from '@fastify/ajv-compiler';

/** What every request validator shares: all errors at once, defaults filled in, unknown members kept for the schema to refuse. */
const AJV_OPTIONS = { allErrors: true, removeAdditional: false, useDefaults: true };

const RFC3339 =
  /^(\d{4})-(\d{2})-(\d{2})[Tt ](\d{2}):(\d{2}):(\d{2})(\.\d{1,9})?(?:[Zz]|([+-])(\d{2}):(\d{2}))$/;
/** The instants every store and `Date` hold: years 1 to 9999 (PostgreSQL has no year 0; JavaScript cannot read BC). */
const EARLIEST = new Date(0).setUTCFullYear(1, 0, 1);
const LATEST = Date.UTC(9999, 11, 31, 23, 59, 59, 999);

/**
 * An RFC 3339 date-time PostgreSQL stores as it is: a real calendar day, no leap second (`Date` cannot
 * read one), an offset within ±15:59 (PostgreSQL refuses more) and an instant from year 1 to 9999.
 */
export function isStorableDateTime(value: string): boolean {
  const match = RFC3339.exec(value);
  if (!match) return false;
  const [year = 0, month = 0, day = 0, hour = 0, minute = 0, second = 0] = match.slice(1, 7).map(Number);
  const calendar = new Date(0);
  calendar.setUTCFullYear(year, month - 1, day);
  if (calendar.getUTCMonth() !== month - 1 || calendar.getUTCDate() !== day) return false;
  if (hour > 23 || minute > 59 || second > 59) return false;
  if (match[8] && (Number(match[9]) > 15 || Number(match[10]) > 59)) return false;
  const instant = Date.parse(value.toUpperCase().replace(' ', 'T'));
  return Number.isFinite(instant) && instant >= EARLIEST && instant <= LATEST;
}

/**
 * Request validators: query strings, path parameters and headers are text, so numbers and booleans
 * there are parsed (`?limit=20`, `coerceTypes: 'array'` also reads one `?sku=` as a list); a JSON body
 * already carries its types, so it is validated as sent — `"1"`, `true` or `null` for a number is
 * refused, never turned into one.
 */
export function requestValidatorFactory(): ValidatorFactory {
  const fromPool = AjvCompiler();
  const compilerOptions = (coerceTypes: false | 'array'): Parameters<typeof fromPool>[1] => ({
    customOptions: { ...AJV_OPTIONS, coerceTypes },
    // every `format: 'date-time'` of a request is one PostgreSQL stores: one rule for all routes
    onCreate: (ajv) => void ajv.addFormat('date-time', { type: 'string', validate: isStorableDateTime }),
  });
  return (externalSchemas) => {
    const typed = fromPool(externalSchemas, compilerOptions(false));
    const parsed = fromPool(externalSchemas, compilerOptions('array'));
    return (route) => (route.httpPart === 'body' ? typed(route) : parsed(route));
  };
}
