import { readFile } from 'node:fs/promises';
import type { FastifyPluginAsync } from 'fastify';
import type { Static } from 'typebox';
import { AppError } from '@polyshop/kernel';
import { ProblemSchema, type Authorizer } from '@polyshop/http';
import { staffGuard } from '../staff-guard.ts';
import { BenchmarkRunSchema } from './benchmark-run-schema.ts';

/**
 * `GET /admin/benchmarks`: the latest benchmark run saved by `npm run bench -- --report` (its
 * `results.json`, at `POLYSHOP_BENCHMARKS_FILE`), read-only for staff — the console's Benchmarks page.
 * Read on every request, so a new run shows without a restart; 404 when none is saved.
 */
export function benchmarksRoutes(options: { file: string; authorizer: Authorizer }): FastifyPluginAsync {
  return async (app) => {
    app.get(
      '/benchmarks',
      {
        preHandler: staffGuard(options.authorizer),
        schema: {
          tags: ['admin'],
          security: [{ bearerAuth: [] }],
          summary:
            'The latest benchmark run (npm run bench -- --report): each scenario, polyshop vs its anchor',
          description:
            'Needs platform:read or platform:admin. The raw run the report saved (POLYSHOP_BENCHMARKS_FILE, default docs/benchmarks/results.json); 404 PLATFORM.NO_BENCHMARKS when none is saved.',
          response: { 200: BenchmarkRunSchema, 404: ProblemSchema },
        },
      },
      async (): Promise<Static<typeof BenchmarkRunSchema>> => {
        let text: string;
        try {
          text = await readFile(options.file, 'utf8');
        } catch (error) {
          if ((error as NodeJS.ErrnoException).code !== 'ENOENT') throw error;
          throw AppError.notFound(
            'PLATFORM.NO_BENCHMARKS',
            'No benchmark run is saved: `npm run bench -- --report` saves one (POLYSHOP_BENCHMARKS_FILE).',
          );
        }
        return JSON.parse(text) as Static<typeof BenchmarkRunSchema>;
      },
    );
  };
}
