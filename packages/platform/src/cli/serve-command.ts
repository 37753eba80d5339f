import { InvalidArgumentError, type Command } from 'commander';
import { SERVICE_NAMES, type ServiceName } from '@polyshop/http';
import { SERVICE_PORTS } from '../service-ports.ts';
import { runPlatform } from './run-platform.ts';
import { portOption, type HostOptions, overridesFrom } from './host-options.ts';

function serviceName(value: string): ServiceName {
  if (!(SERVICE_NAMES as readonly string[]).includes(value)) {
    throw new InvalidArgumentError(`expected one of ${SERVICE_NAMES.join(', ')}`);
  }
  return value as ServiceName;
}

export function registerServeCommand(program: Command): void {
  portOption(program.command('serve'))
    .description('run one service in this process; the others are reached over HTTP')
    .argument('<service>', SERVICE_NAMES.join('|'), serviceName)
    .action(async (service: ServiceName, options: HostOptions) => {
      const overrides = overridesFrom(options);
      if (!options.port && !process.env.PORT) overrides.PORT = SERVICE_PORTS[service];
      await runPlatform({ services: [service], overrides, natsRequired: true });
    });
}
