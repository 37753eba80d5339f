import { pino, type DestinationStream, type Logger, type LoggerOptions } from 'pino';
import { prettyFactory } from 'pino-pretty';

export type { Logger };

/** Paths never written to a log, whatever a handler passes in (cards, secrets, tokens). */
export const REDACTED_PATHS = [
  'password',
  '*.password',
  'card',
  '*.card',
  'cvc',
  '*.cvc',
  'token',
  'accessToken',
  'refreshToken',
  '*.accessToken',
  '*.refreshToken',
  'req.headers.authorization',
  'req.headers.cookie',
  'headers.authorization',
];

/**
 * `json`: one JSON object a line (what log shippers and the tests read). `pretty`: human lines (time,
 * level, name, message, request fields; other fields and error stacks indented below). `auto`: pretty
 * when the destination is a terminal, JSON otherwise.
 */
export const LOG_FORMATS = ['auto', 'pretty', 'json'] as const;
export type LogFormat = (typeof LOG_FORMATS)[number];

export interface LoggerConfig {
  level?: string;
  name?: string;
  /** Where lines go; defaults to stdout. Tests pass a stream to capture them. */
  destination?: DestinationStream;
  /** Default `json`; the platform passes `LOG_FORMAT` (default `auto`). */
  format?: LogFormat;
  /**
   * Whether the destination is a terminal (for `auto`, and colours in pretty lines); defaults to the
   * destination's own `isTTY` (stdout's when none is given).
   */
  isTTY?: boolean;
}

/** The platform logger: JSON lines (or pretty ones, see `LogFormat`), secrets redacted. Request ids are added per request by the HTTP host. */
export function createLogger(config: LoggerConfig = {}): Logger {
  const options: LoggerOptions = {
    level: config.level ?? 'info',
    redact: { paths: REDACTED_PATHS, censor: '[redacted]' },
  };
  if (config.name) options.name = config.name;
  const destinationIsTTY = config.destination
    ? (config.destination as { isTTY?: boolean }).isTTY
    : process.stdout.isTTY;
  const isTTY = config.isTTY ?? destinationIsTTY === true;
  const format = config.format ?? 'json';
  if (format === 'pretty' || (format === 'auto' && isTTY)) {
    // Synchronous and in-process (no worker transport): a line logged just before exit is written, and
    // a test's stream receives it at once.
    const out = config.destination ?? pino.destination({ fd: 1, sync: true });
    return pino(options, prettyStream(out, isTTY && !process.env.NO_COLOR));
  }
  return config.destination ? pino(options, config.destination) : pino(options);
}

/** Fields the pretty line's message carries (so they are not repeated below it). */
const REQUEST_FIELDS = ['reqId', 'req', 'res', 'responseTime'];

/** A destination that turns each JSON line pino writes into a human one and writes it to `out`. */
function prettyStream(
  out: DestinationStream,
  colorize: boolean,
): DestinationStream & { flush(cb?: (err?: Error) => void): void } {
  const prettify = prettyFactory({
    colorize,
    translateTime: 'SYS:HH:MM:ss.l',
    ignore: ['pid', 'hostname', ...REQUEST_FIELDS].join(','),
    messageFormat: (log, messageKey) => {
      const req = log.req as { method?: string; url?: string } | undefined;
      const res = log.res as { statusCode?: number } | undefined;
      const parts: string[] = [];
      if (typeof log.reqId === 'string') parts.push(`[${log.reqId}]`);
      const message = log[messageKey];
      if (typeof message === 'string') parts.push(message);
      else if (message !== undefined) parts.push(JSON.stringify(message));
      if (req?.method) parts.push(`${req.method} ${req.url ?? ''}`.trimEnd());
      if (res?.statusCode !== undefined) parts.push(String(res.statusCode));
      if (typeof log.responseTime === 'number') parts.push(`in ${log.responseTime.toFixed(1)} ms`);
      return parts.join(' ');
    },
  });
  return {
    write(line: string) {
      const text = prettify(line);
      if (text) out.write(text);
    },
    flush(cb?: (err?: Error) => void) {
      const flushable = out as { flush?: (cb?: (err?: Error) => void) => void };
      if (flushable.flush) flushable.flush(cb);
      else cb?.();
    },
  };
}

/** A logger that writes nothing (for tests that don't look at logs). */
export function silentLogger(): Logger {
  return pino({ level: 'silent' });
}
