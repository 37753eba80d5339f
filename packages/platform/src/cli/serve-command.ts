import { InvalidArgumentError, type Command } from 'commander';
import type { ServiceName } from '@polyshop/http';
import { findServiceDefinition, serviceNames } from '../service-catalog.ts';
import { runPlatform } from './run-platform.ts';
import { portOption, type HostOptions, overridesFrom } from './host-options.ts';

function serviceName(value: string): ServiceName {
  const definition = findServiceDefinition(value);
  if (!definition) throw new InvalidArgumentError(`expected one of ${serviceNames.join(', ')}`);
  return definition.name;
}

export function registerServeCommand(program: Command): void {
  portOption(program.command('serve'))
    .description('run one service in this process; the others are reached over HTTP')
    .argument('<service>', serviceNames.join('|'), serviceName)
    .action(async (service: ServiceName, options: HostOptions) => {
      const overrides = overridesFrom(options);
      if (!options.port && !process.env.PORT) overrides.PORT = findServiceDefinition(service)?.defaultPort;
      await runPlatform({ services: [service], overrides, natsRequired: true });
    });
}
