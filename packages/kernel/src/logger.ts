import { pino, type Logger, type LoggerOptions } from 'pino';

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

export interface LoggerConfig {
  level?: string;
  name?: string;
  /** Where lines go; defaults to stdout. Tests pass a stream to capture them. */
  destination?: pino.DestinationStream;
}

/** The platform logger: JSON lines, secrets redacted. Request ids are added per request by the HTTP host. */
export function createLogger(config: LoggerConfig = {}): Logger {
  const options: LoggerOptions = {
    level: config.level ?? 'info',
    redact: { paths: REDACTED_PATHS, censor: '[redacted]' },
  };
  if (config.name) options.name = config.name;
  return config.destination ? pino(options, config.destination) : pino(options);
}

/** A logger that writes nothing (for tests that don't look at logs). */
export function silentLogger(): Logger {
  return pino({ level: 'silent' });
}
