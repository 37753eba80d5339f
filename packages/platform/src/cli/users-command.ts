import type { Command } from 'commander';
import { AppError } from '@polyshop/kernel';
import { createAdmin } from '@polyshop/users';
import { buildPlatform } from '../platform.ts';

interface CreateAdminOptions {
  email: string;
  password?: string;
  name?: string;
  dataDir?: string;
}

/** `polyshop users create-admin`: the first (or another) administrator, holding every permission. */
export function registerUsersCommand(program: Command): void {
  const users = program.command('users').description('administer the user service');
  users
    .command('create-admin')
    .description('create a user holding the admin role (every permission, *:*); fails if the email is taken')
    .requiredOption('--email <email>', 'the admin’s email')
    .option('--password <password>', 'the admin’s password (default: POLYSHOP_ADMIN_PASSWORD)')
    .option('--name <name>', 'display name', 'Administrator')
    .option('--data-dir <dir>', 'PGlite data folder (default: POLYSHOP_DATA_DIR or ./.polyshop)')
    .action(async (options: CreateAdminOptions) => {
      const password = options.password ?? process.env.POLYSHOP_ADMIN_PASSWORD;
      if (!password) {
        process.stderr.write('polyshop: give --password or set POLYSHOP_ADMIN_PASSWORD\n');
        process.exitCode = 64;
        return;
      }
      const platform = await buildPlatform({
        services: ['users'],
        ...(options.dataDir ? { overrides: { POLYSHOP_DATA_DIR: options.dataDir } } : {}),
      });
      try {
        const module = platform.module('users')!;
        const result = await createAdmin(module.deps, {
          email: options.email,
          password,
          ...(options.name ? { name: options.name } : {}),
        });
        if (result.created) {
          process.stdout.write(`admin created: ${result.userId} (${options.email.trim().toLowerCase()})\n`);
        } else {
          process.stderr.write(
            `polyshop: an account with this email already exists (${result.userId}); nothing changed\n`,
          );
          process.exitCode = 1;
        }
      } catch (error) {
        if (!(error instanceof AppError)) throw error;
        process.stderr.write(`polyshop: ${error.field ? `${error.field}: ` : ''}${error.message}\n`);
        process.exitCode = 65;
      } finally {
        await platform.close();
      }
    });
}
