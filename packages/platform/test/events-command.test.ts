import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { createEvent, silentLogger, systemClock } from '@polyshop/kernel';
import { NatsEventBus } from '@polyshop/bus';
import { buildPlatform, streamName, type Platform } from '@polyshop/platform';
import {
  createTestDatabase,
  dropTestDatabase,
  eventually,
  skipReason,
  testDatabaseUrl,
  testServerUrl,
} from '@polyshop/testing';
import { flakyConsumer } from './support/flaky-consumer-service.ts';

const bin = fileURLToPath(new URL('../bin/polyshop.mjs', import.meta.url));
const { NATS_URL: _nats, DATABASE_URL: _db, POLYSHOP_DATA_DIR: _dir, ...baseEnv } = process.env;

function polyshop(
  args: string[],
  env: Record<string, string> = {},
): Promise<{ code: number | null; stdout: string; stderr: string }> {
  const child = spawn(process.execPath, [bin, ...args], {
    env: { ...baseEnv, LOG_LEVEL: 'silent', CI: '', ...env },
  });
  let stdout = '';
  let stderr = '';
  child.stdout.on('data', (chunk) => (stdout += chunk));
  child.stderr.on('data', (chunk) => (stderr += chunk));
  return new Promise((resolve) => child.on('exit', (code) => resolve({ code, stdout, stderr })));
}

const anOrderConfirmed = () =>
  createEvent(
    'orders',
    { type: 'order.confirmed', aggregateType: 'order', aggregateId: 'o-1', data: { orderId: 'o-1' } },
    systemClock,
  );

describe('polyshop serve', () => {
  it('stops with a configuration error naming NATS_URL when it is not set and servers up wrote none', async () => {
    // An empty servers folder: `serve` would otherwise take the NATS URL `servers up` wrote.
    const serversDir = mkdtempSync(join(tmpdir(), 'polyshop-no-servers-'));
    const { code, stderr } = await polyshop(['serve', 'products', '--port', '39999'], {
      SERVERS_DIR: serversDir,
      POLYSHOP_INTERNAL_TOKEN: 'internal-credential-of-this-test',
    });
    assert.equal(code, 78);
    assert.match(stderr, /NATS_URL: required by `polyshop serve`/);
    assert.doesNotMatch(stderr, /POLYSHOP_INTERNAL_TOKEN/);
  });

  it('stops with a configuration error naming POLYSHOP_INTERNAL_TOKEN when it is not set (issue 15)', async () => {
    // Without it, introspection answers no other process: every guarded route would answer 401.
    const { code, stderr } = await polyshop(['serve', 'orders', '--port', '39998'], {
      NATS_URL: 'nats://127.0.0.1:1',
      POLYSHOP_INTERNAL_TOKEN: '',
    });
    assert.equal(code, 78);
    assert.match(stderr, /POLYSHOP_INTERNAL_TOKEN: required by `polyshop serve`/);
    assert.doesNotMatch(stderr, /NATS_URL/);
  });
});

describe('polyshop events (PGlite data folder)', () => {
  const dataDir = mkdtempSync(join(tmpdir(), 'polyshop-events-'));
  const event = anOrderConfirmed();
  before(async () => {
    const platform = await buildPlatform({
      env: { LOG_LEVEL: 'silent' },
      overrides: { POLYSHOP_DATA_DIR: dataDir },
      services: [],
      logger: silentLogger(),
    });
    await platform.deadLetters.handler('probe.order-confirmed', event, new Error('template missing'), 5);
    await platform.close();
  });

  it('dead-letters lists them, as JSON or text, filtered; a bad --limit is refused', async () => {
    const json = await polyshop(['events', 'dead-letters', '--json', '--data-dir', dataDir]);
    assert.equal(json.code, 0, json.stderr);
    const items = JSON.parse(json.stdout).items;
    assert.deepEqual(
      items.map((l: { eventId: string; consumer: string }) => [l.consumer, l.eventId]),
      [['probe.order-confirmed', event.id]],
    );
    const text = await polyshop([
      'events',
      'dead-letters',
      '--pending',
      '--consumer',
      'probe.order-confirmed',
      '--data-dir',
      dataDir,
    ]);
    assert.match(
      text.stdout,
      new RegExp(
        `probe\\.order-confirmed  order\\.confirmed ${event.id}  attempts=5  pending  "template missing"`,
      ),
    );
    const bad = await polyshop(['events', 'dead-letters', '--limit', '0', '--data-dir', dataDir]);
    assert.notEqual(bad.code, 0);
    assert.match(bad.stderr, /--limit/);
  });

  it('replay of an unknown id exits 1 naming the error', async () => {
    const { code, stderr } = await polyshop(['events', 'replay', '424242', '--data-dir', dataDir]);
    assert.equal(code, 1);
    assert.match(stderr, /EVENTS\.DEAD_LETTER_NOT_FOUND/);
  });

  it('exits 75 naming the holder while another process has the data folder open (as polyshop start would)', async () => {
    const platform = await buildPlatform({
      env: { LOG_LEVEL: 'silent' },
      overrides: { POLYSHOP_DATA_DIR: dataDir },
      services: [],
      logger: silentLogger(),
    });
    try {
      await platform.deadLetters.list({}); // opened: this process holds the folder
      const { code, stderr } = await polyshop(['events', 'dead-letters', '--data-dir', dataDir]);
      assert.equal(code, 75, stderr);
      assert.match(stderr, new RegExp(`in use by process ${process.pid}`));
    } finally {
      await platform.close();
    }
    const after = await polyshop(['events', 'dead-letters', '--json', '--data-dir', dataDir]);
    assert.equal(after.code, 0, after.stderr);
  });
});

const natsUrl = testServerUrl('POLYSHOP_TEST_NATS_URL');
const serverUrl = testDatabaseUrl();
describe(
  'polyshop events replay over NATS',
  {
    skip:
      skipReason('POLYSHOP_TEST_NATS_URL', natsUrl) || skipReason('POLYSHOP_TEST_DATABASE_URL', serverUrl),
  },
  () => {
    let platform: Platform;
    let database: { url: string; name: string };
    let env: Record<string, string>;
    before(async () => {
      database = await createTestDatabase(serverUrl!);
      env = {
        NATS_URL: natsUrl!,
        NATS_SUBJECT_PREFIX: `polyshop_t_${randomBytes(5).toString('hex')}.events`,
        DATABASE_URL: database.url,
      };
      flakyConsumer.fixed = false;
      flakyConsumer.handled.length = 0;
      platform = await buildPlatform({
        env: { LOG_LEVEL: 'silent', ...env },
        inMemory: true,
        logger: silentLogger(),
        definitions: [flakyConsumer.definition],
      });
      await platform.start();
    });
    after(async () => {
      await platform?.close();
      const admin = await NatsEventBus.connect({
        url: natsUrl!,
        logger: silentLogger(),
        subjectPrefix: env.NATS_SUBJECT_PREFIX,
        stream: streamName(env.NATS_SUBJECT_PREFIX!),
      });
      await admin.deleteStream();
      await admin.close();
      await dropTestDatabase(serverUrl!, database.name);
    });

    it('hands the event to the consumer in the process that runs it', async () => {
      assert.ok(platform.bus instanceof NatsEventBus);
      const event = anOrderConfirmed();
      await platform.bus.publish(event);
      const [letter] = await eventually(
        async () => {
          const letters = await platform.deadLetters.list();
          return letters.length > 0 && letters;
        },
        { intervalMs: 50, message: 'the event to be dead-lettered' },
      );
      flakyConsumer.fixed = true;
      const { code, stdout, stderr } = await polyshop(['events', 'replay', letter!.id], env);
      assert.equal(code, 0, stderr);
      assert.match(
        stdout,
        new RegExp(`replayed ${letter!.id}: order.confirmed ${event.id} → probe.order-confirmed`),
      );
      assert.deepEqual(flakyConsumer.handled, [event.id]);
      assert.ok((await platform.deadLetters.get(letter!.id)).replayedAt);
    });
  },
);
