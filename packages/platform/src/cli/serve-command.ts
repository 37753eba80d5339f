import { InvalidArgumentError, type Command } from 'commander';
import type { AnyServiceDefinition } from '@polyshop/http';
import { findServiceDefinition, serviceNames } from '../service-catalog.ts';
import { runPlatform } from './run-platform.ts';
import { portOption, type HostOptions, overridesFrom } from './host-options.ts';

function serviceDefinition(value: string): AnyServiceDefinition {
  const definition = findServiceDefinition(value);
  if (!definition) throw new InvalidArgumentError(`expected one of ${serviceNames.join(', ')}`);
  return definition;
}

export function registerServeCommand(program: Command): void {
  portOption(program.command('serve'))
    .description('run one service in this process; the others are reached over HTTP')
    .argument('<service>', serviceNames.join('|'), serviceDefinition)
    .action(async (service: AnyServiceDefinition, options: HostOptions) => {
      const overrides = overridesFrom(options);
      if (!options.port && !process.env.PORT) overrides.PORT = service.defaultPort;
      await runPlatform({ services: [service.name], overrides, natsRequired: true });
    });
}
