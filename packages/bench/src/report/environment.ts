import { readFileSync, readdirSync } from 'node:fs';
import { cpus, loadavg, release, totalmem } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { MongoClient } from 'mongodb';
import { openPostgres } from '@polyshop/stores';
import type { TargetName } from '../scenario.ts';

const root = join(fileURLToPath(new URL('.', import.meta.url)), '..', '..', '..', '..');

/** One store a run measured: what it is, how it was set up, and whether it is a stand-in for the product. */
export interface StoreFacts {
  target: TargetName;
  /** What answered, e.g. `PostgreSQL 15.18`, `mongo-java-server 1.47.0 (reports MongoDB 5.0.0)`. */
  server: string;
  /** Settings that change the figures (durability, heap). */
  settings: string;
  /**
   * True when the server speaks the product's protocol but is not the product (moto for DynamoDB,
   * mongo-java-server or FerretDB for MongoDB): its figures describe the stand-in, not the product.
   */
  standIn: boolean;
}

/** Where a run happened: the machine and every store it measured. */
export interface Environment {
  machine: {
    cpu: string;
    cores: number;
    memoryGiB: number;
    kernel: string;
    node: string;
    /** The 1-minute load average when the run started and when it ended (the machine is shared). */
    loadAtStart: number;
    loadAtEnd?: number;
  };
  stores: StoreFacts[];
}

/** The `-Xmx` of the running JVM whose command line contains `marker` (the test servers are JVMs). */
function jvmHeap(marker: string): string | undefined {
  for (const pid of readdirSync('/proc').filter((name) => /^\d+$/.test(name))) {
    let cmdline: string;
    try {
      cmdline = readFileSync(`/proc/${pid}/cmdline`, 'utf8');
    } catch {
      continue;
    }
    if (!cmdline.includes(marker)) continue;
    const heap = cmdline.split('\0').find((arg) => arg.startsWith('-Xmx'));
    if (heap) return heap.slice(4);
  }
  return undefined;
}

/** The version the repository pins in `file` with `pattern` (its first group), e.g. moto's in requirements.txt. */
function pinned(file: string, pattern: RegExp): string | undefined {
  try {
    return pattern.exec(readFileSync(join(root, file), 'utf8'))?.[1];
  } catch {
    return undefined;
  }
}

async function postgresFacts(url: string): Promise<StoreFacts> {
  const db = await openPostgres({ url, poolSize: 1 });
  try {
    const show = async (name: string) =>
      Object.values((await db.query<Record<string, string>>(`SHOW ${name}`))[0] ?? {})[0];
    const version = await show('server_version');
    const settings = ['fsync', 'synchronous_commit', 'shared_buffers', 'max_connections'];
    const values = await Promise.all(settings.map(async (name) => `${name}=${await show(name)}`));
    return {
      target: 'postgres',
      server: `PostgreSQL ${version}`,
      settings: values.join(', '),
      standIn: false,
    };
  } finally {
    await db.close();
  }
}

function pgliteFacts(): StoreFacts {
  const manifest = JSON.parse(
    readFileSync(join(root, 'node_modules', '@electric-sql', 'pglite', 'package.json'), 'utf8'),
  ) as { version: string };
  return {
    target: 'pglite',
    server: `PGlite ${manifest.version} (PostgreSQL compiled to WebAssembly, in the platform's process)`,
    settings: 'one connection; the data folder on local disk (in memory for the bench)',
    standIn: false,
  };
}

async function mongoFacts(url: string): Promise<StoreFacts> {
  const client = new MongoClient(url, { serverSelectionTimeoutMS: 5_000 });
  try {
    const info = await client.db('admin').command({ buildInfo: 1 });
    const reported = String(info.version);
    const environment = info.buildEnvironment as Record<string, string> | undefined;
    if (environment?.['go.version']) {
      return {
        target: 'mongodb',
        server: `FerretDB (reports MongoDB ${reported})`,
        settings: 'SQLite backend',
        standIn: true,
      };
    }
    if (!info.gitVersion) {
      const version = pinned('servers/mongo-launcher/pom.xml', /<mongo-java-server.version>([^<]+)</);
      const heap = jvmHeap('MongoLauncher');
      return {
        target: 'mongodb',
        server: `mongo-java-server ${version ?? '?'} (reports MongoDB ${reported})`,
        settings: `in-memory backend, JVM heap ${heap ?? 'unknown'}; scans every query but by _id`,
        standIn: true,
      };
    }
    return { target: 'mongodb', server: `MongoDB ${reported}`, settings: '', standIn: false };
  } finally {
    await client.close();
  }
}

async function openSearchFacts(url: string): Promise<StoreFacts> {
  const get = async (path: string) =>
    (await (await fetch(new URL(path, url), { signal: AbortSignal.timeout(5_000) })).json()) as Record<
      string,
      unknown
    >;
  const about = (await get('/')) as { version: { number: string; distribution?: string } };
  const jvm = (await get('/_nodes/_local/jvm?filter_path=nodes.*.jvm.mem.heap_max_in_bytes')) as {
    nodes?: Record<string, { jvm: { mem: { heap_max_in_bytes: number } } }>;
  };
  const heap = Object.values(jvm.nodes ?? {})[0]?.jvm.mem.heap_max_in_bytes;
  return {
    target: 'opensearch',
    server: `OpenSearch ${about.version.number}`,
    settings: `one node${heap ? `, JVM heap ${(heap / 2 ** 30).toFixed(1)} GiB` : ''}`,
    standIn: about.version.distribution !== 'opensearch',
  };
}

function dynamoFacts(): StoreFacts {
  const moto = pinned('servers/dynamodb/requirements.txt', /moto\[[^\]]*\]==(\S+)/);
  return {
    target: 'dynamodb',
    server: `moto ${moto ?? '?'} (DynamoDB's API, in memory)`,
    settings: 'one process, one request at a time; no partitions, no per-item write limit, no capacity',
    standIn: true,
  };
}

/** The machine and every store the run can reach, as they describe themselves. */
export async function collectEnvironment(servers: {
  postgresUrl?: string;
  mongodbUrl?: string;
  opensearchUrl?: string;
  dynamodbEndpoint?: string;
}): Promise<Environment> {
  const cpu = cpus();
  const stores: StoreFacts[] = [pgliteFacts()];
  const attempts: [string | undefined, (url: string) => Promise<StoreFacts>][] = [
    [servers.postgresUrl, postgresFacts],
    [servers.mongodbUrl, mongoFacts],
    [servers.opensearchUrl, openSearchFacts],
    [servers.dynamodbEndpoint, async () => dynamoFacts()],
  ];
  for (const [url, facts] of attempts) if (url) stores.push(await facts(url));
  return {
    machine: {
      cpu: cpu[0]?.model.trim() ?? 'unknown',
      cores: cpu.length,
      memoryGiB: Math.round(totalmem() / 2 ** 30),
      kernel: `Linux ${release()}`,
      node: process.version,
      loadAtStart: loadavg()[0]!,
    },
    stores,
  };
}
