import { InvalidArgumentError, type Command } from 'commander';
import { systemClock } from '@polyshop/kernel';
import type { Advice, Evidence } from '../advice/advice-schema.ts';
import { platformAdviceSources } from '../advice/advice-sources.ts';
import { advise } from '../advice/advisor.ts';
import { buildPlatform } from '../platform.ts';
import { serviceDefinitions } from '../service-catalog.ts';

/** What `polyshop advise` was asked. */
export interface AdviseOptions {
  json?: boolean;
  /** Seconds of recent traffic measured (default `ADVISE_WINDOW_SECONDS`). */
  window?: number;
  dataDir?: string;
  /** Base URL of a running platform: ask its `GET /admin/advice` (live metrics included). */
  url?: string;
  env?: NodeJS.ProcessEnv;
  print?: (text: string) => void;
}

function parseWindow(value: string): number {
  const seconds = Number(value);
  if (!Number.isInteger(seconds) || seconds < 1 || seconds > 604800)
    throw new InvalidArgumentError('expected whole seconds, 1-604800');
  return seconds;
}

function formatEvidence(e: Evidence): string {
  if (e.value === null) return `    ${e.measure}: not measured — ${e.source}`;
  const threshold =
    e.threshold === null ? 'context' : `threshold ${e.threshold}${e.reached ? ', REACHED' : ''}`;
  const detail = e.detail ? ` — ${e.detail}` : '';
  return `    ${e.measure}: ${e.value} ${e.unit} (${threshold})${detail}\n      window ${e.window}; source ${e.source}`;
}

/** The advice as lines: one block per service (verdict, evidence, command), then a summary line. */
export function formatAdvice(advice: Advice): string {
  const lines = [`advice at ${advice.generatedAt} (traffic window ${advice.window.seconds} s)`];
  for (const s of advice.services) {
    lines.push(
      `${s.service}: ${s.status.toUpperCase()} — on ${s.store}, seed target ${s.target}: "${s.trigger}"`,
    );
    if (s.note) lines.push(`    ${s.note}`);
    lines.push(...s.evidence.map(formatEvidence));
    if (s.command) lines.push(`    → ${s.command}`);
  }
  const firing = advice.services.filter((s) => s.status === 'fires').map((s) => s.service);
  lines.push(firing.length ? `triggers firing: ${firing.join(', ')}` : 'no trigger fires');
  return `${lines.join('\n')}\n`;
}

/** The running platform refused `--url`'s requests or could not be reached. */
export class AdviceRequestError extends Error {}

/** `fetch`, with an unreachable server as an `AdviceRequestError` naming the URL and the cause. */
async function reach(url: string, init?: RequestInit): Promise<Response> {
  try {
    return await fetch(url, init);
  } catch (error) {
    const cause = (error as { cause?: { message?: string } }).cause?.message ?? (error as Error).message;
    throw new AdviceRequestError(`cannot reach ${url}: ${cause}`);
  }
}

/** `GET <url>/admin/advice` with an admin's bearer token (given, or from a login). */
async function adviceFrom(url: string, env: NodeJS.ProcessEnv, window?: number): Promise<Advice> {
  const base = url.replace(/\/+$/, '');
  let token = env.POLYSHOP_ADMIN_TOKEN;
  if (!token) {
    const { POLYSHOP_ADMIN_EMAIL: email, POLYSHOP_ADMIN_PASSWORD: password } = env;
    if (!email || !password)
      throw new AdviceRequestError(
        '--url needs POLYSHOP_ADMIN_TOKEN, or POLYSHOP_ADMIN_EMAIL and POLYSHOP_ADMIN_PASSWORD',
      );
    const login = await reach(`${base}/users/login`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ email, password }),
    });
    if (!login.ok)
      throw new AdviceRequestError(
        `POST ${base}/users/login answered ${login.status}: ${await login.text()}`,
      );
    token = ((await login.json()) as { accessToken: string }).accessToken;
  }
  const query = window === undefined ? '' : `?window=${window}`;
  const response = await reach(`${base}/admin/advice${query}`, {
    headers: { authorization: `Bearer ${token}` },
  });
  if (!response.ok)
    throw new AdviceRequestError(
      `GET ${base}/admin/advice answered ${response.status}: ${await response.text()}`,
    );
  return (await response.json()) as Advice;
}

/**
 * The advice (`advise`), from the running platform at `options.url`, else read from the stores
 * directly (`DATABASE_URL`, or the PGlite data folder — stop `polyshop start` first; no live
 * metrics then, so search's trigger is not measured). Prints it; resolves to it.
 */
export async function runAdvise(options: AdviseOptions = {}): Promise<Advice> {
  const env = options.env ?? process.env;
  const print = options.print ?? ((text: string) => process.stdout.write(text));
  let advice: Advice;
  if (options.url) {
    advice = await adviceFrom(options.url, env, options.window);
  } else {
    const platform = await buildPlatform({
      env,
      services: [],
      overrides: options.dataDir ? { POLYSHOP_DATA_DIR: options.dataDir } : {},
    });
    try {
      const sources = platformAdviceSources({
        config: platform.config,
        env,
        postgres: () => platform.postgres(),
        services: serviceDefinitions,
        clock: systemClock,
      });
      advice = await advise(sources, options.window);
    } finally {
      await platform.close();
    }
  }
  print(options.json ? `${JSON.stringify(advice, null, 2)}\n` : formatAdvice(advice));
  return advice;
}

/** `polyshop advise`: the seed's migration triggers, measured. Exits 0 whether or not one fires. */
export function registerAdviseCommand(program: Command): void {
  program
    .command('advise')
    .description(
      'for each service, whether the seed’s trigger for moving it to its target store fires, with the evidence and the migrate-store command',
    )
    .option('--json', 'print JSON (as GET /admin/advice)')
    .option(
      '--window <seconds>',
      'seconds of recent traffic measured (default ADVISE_WINDOW_SECONDS, 300)',
      parseWindow,
    )
    .option('--data-dir <dir>', 'PGlite data folder (default: POLYSHOP_DATA_DIR or ./.polyshop)')
    .option(
      '--url <base url>',
      'ask a running platform’s GET /admin/advice instead (with its live metrics); token from POLYSHOP_ADMIN_TOKEN, else a login with POLYSHOP_ADMIN_EMAIL / POLYSHOP_ADMIN_PASSWORD',
    )
    .addHelpText(
      'after',
      '\nReads the stores directly unless --url is given (PGlite: its data folder serves one process, so while `polyshop start` runs use --url). Thresholds: ADVISE_* (README). Exit code 0 whether or not a trigger fires; 1 when the advice could not be read; 75 when another process holds the PGlite data folder.',
    )
    .action(async (options: AdviseOptions) => {
      try {
        await runAdvise(options);
      } catch (error) {
        // configuration errors keep their own exit code (main.ts); a server that refused or could not
        // be reached is one line, not a stack
        if (!options.url || !(error instanceof AdviceRequestError)) throw error;
        process.stderr.write(`polyshop: ${error.message}\n`);
        process.exitCode = 1;
      }
    });
}
