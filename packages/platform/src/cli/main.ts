import { AppError, ConfigError } from '@polyshop/kernel';
import { createProgram } from './program.ts';

try {
  await (await createProgram(process.argv)).parseAsync(process.argv);
} catch (error) {
  if (error instanceof ConfigError) {
    process.stderr.write(`polyshop: ${error.message}\n`);
    process.exit(78);
  }
  if (error instanceof AppError && error.kind === 'invalid_input') {
    // Start-up refusals (a missing store URL, an unsupported store): the message names the variable.
    process.stderr.write(`polyshop: ${error.message}${error.field ? ` (${error.field})` : ''}\n`);
    process.exit(78);
  }
  if (error instanceof AppError && error.code === 'STORE.DATA_FOLDER_IN_USE') {
    process.stderr.write(`polyshop: ${error.message}\n`);
    process.exit(75); // EX_TEMPFAIL: it works once the other process stops
  }
  const code = (error as NodeJS.ErrnoException | null)?.code;
  if (code === 'EADDRINUSE' || code === 'EACCES') {
    const { address, port } = error as NodeJS.ErrnoException & { address?: string; port?: number };
    process.stderr.write(
      `polyshop: cannot listen on ${address}:${port} (${code === 'EADDRINUSE' ? 'already in use' : 'permission denied'}); choose another with --port or PORT.\n`,
    );
    process.exit(1);
  }
  process.stderr.write(
    `polyshop: ${error instanceof Error ? (error.stack ?? error.message) : String(error)}\n`,
  );
  process.exit(1);
}
