import { InvalidArgumentError, type Command } from 'commander';
import type { PlatformConfig } from '../platform-config.ts';

export interface HostOptions {
  port?: number;
  host?: string;
  dataDir?: string;
}

function parsePort(value: string): number {
  const port = Number(value);
  if (!Number.isInteger(port) || port < 1 || port > 65535)
    throw new InvalidArgumentError('expected a port number 1-65535');
  return port;
}

/** Options shared by the commands that run an HTTP host. */
export function portOption(command: Command): Command {
  return command
    .option('-p, --port <port>', 'HTTP port (default: PORT or 3000)', parsePort)
    .option('--host <host>', 'interface to bind (default: HOST or 127.0.0.1)')
    .option(
      '--data-dir <dir>',
      'where PGlite data and keys live (default: POLYSHOP_DATA_DIR or ./.polyshop)',
    );
}

export function overridesFrom(options: HostOptions): Partial<PlatformConfig> {
  const overrides: Partial<PlatformConfig> = {};
  if (options.port) overrides.PORT = options.port;
  if (options.host) overrides.HOST = options.host;
  if (options.dataDir) overrides.POLYSHOP_DATA_DIR = options.dataDir;
  return overrides;
}
