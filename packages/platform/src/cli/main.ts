import { ConfigError } from '@polyshop/kernel';
import { createProgram } from './program.ts';

try {
  await createProgram().parseAsync(process.argv);
} catch (error) {
  if (error instanceof ConfigError) {
    process.stderr.write(`polyshop: ${error.message}\n`);
    process.exit(78);
  }
  process.stderr.write(`polyshop: ${error instanceof Error ? (error.stack ?? error.message) : String(error)}\n`);
  process.exit(1);
}
