import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { stripVTControlCharacters } from 'node:util';
import { createLogger, type LoggerConfig } from './logger.ts';

/** A destination that keeps what is written; `isTTY` says whether it claims to be a terminal. */
function capture(isTTY?: boolean) {
  const chunks: string[] = [];
  const stream = {
    write(chunk: string) {
      chunks.push(chunk);
    },
    ...(isTTY === undefined ? {} : { isTTY }),
  };
  return { stream, text: () => chunks.join(''), lines: () => chunks.join('').split('\n').filter(Boolean) };
}

function logSome(config: LoggerConfig) {
  const logger = createLogger({ name: 'polyshop', ...config });
  logger.info({ address: 'http://127.0.0.1:3000' }, 'polyshop ready on http://127.0.0.1:3000');
  const request = logger.child({ reqId: 'req-42' });
  request.info({ req: { method: 'POST', url: '/orders', host: 'localhost' } }, 'incoming request');
  request.info({ res: { statusCode: 201 }, responseTime: 12.345 }, 'request completed');
  logger.error({ err: new Error('store unreachable') }, 'checkout failed');
  logger.info({ password: 'hunter22', card: '4242424242424242' }, 'login');
}

describe('createLogger', () => {
  it('pretty: human lines with time, level, name, message and the request fields; error stacks; secrets redacted', () => {
    const out = capture(false);
    logSome({ destination: out.stream, format: 'pretty' });
    const text = out.text();
    const lines = out.lines();
    assert.ok(lines.length >= 5);
    for (const line of lines) assert.doesNotMatch(line, /^\s*\{/, `no JSON object: ${line}`);
    assert.match(
      text,
      /^\[\d\d:\d\d:\d\d\.\d{3}\] INFO \(polyshop\): polyshop ready on http:\/\/127\.0\.0\.1:3000$/m,
    );
    assert.match(text, /^\s+address: "http:\/\/127\.0\.0\.1:3000"$/m);
    assert.match(text, /INFO \(polyshop\): \[req-42\] incoming request POST \/orders$/m);
    assert.match(text, /INFO \(polyshop\): \[req-42\] request completed 201 in 12\.3 ms$/m);
    assert.match(text, /ERROR \(polyshop\): checkout failed$/m);
    assert.match(text, /Error: store unreachable\n\s+at /);
    assert.doesNotMatch(text, /hunter22|4242424242424242/);
    assert.match(text, /\[redacted\]/);
    // Not a terminal: no colour codes.
    assert.ok(!text.includes('\u001b['), 'no ANSI colours on a non-terminal');
    assert.doesNotMatch(text, /"level"|"msg"|"pid"|"hostname"/);
  });

  it('json: every line is a JSON object with the fields (as before)', () => {
    for (const format of ['json', undefined] as const) {
      const out = capture(true); // even on a terminal, json stays json
      logSome({ destination: out.stream, ...(format ? { format } : {}) });
      const records = out.lines().map((line) => JSON.parse(line) as Record<string, unknown>);
      assert.equal(records.length, 5);
      assert.equal(records[0]!.msg, 'polyshop ready on http://127.0.0.1:3000');
      assert.equal(records[0]!.name, 'polyshop');
      assert.equal(records[0]!.level, 30);
      assert.equal(records[1]!.reqId, 'req-42');
      assert.equal(records[2]!.responseTime, 12.345);
      assert.match((records[3]!.err as { stack: string }).stack, /store unreachable/);
      assert.equal(records[4]!.password, '[redacted]');
    }
  });

  it('auto: pretty when the destination is a terminal, JSON otherwise; an injected isTTY wins', () => {
    const tty = capture(true);
    logSome({ destination: tty.stream, format: 'auto' });
    assert.match(stripVTControlCharacters(tty.text()), /INFO \(polyshop\): polyshop ready/);
    assert.throws(() => JSON.parse(tty.lines()[0]!));
    if (!process.env.NO_COLOR) assert.ok(tty.text().includes('\u001b['), 'colours on a terminal');

    for (const out of [capture(false), capture()]) {
      logSome({ destination: out.stream, format: 'auto' });
      assert.equal(JSON.parse(out.lines()[0]!).msg, 'polyshop ready on http://127.0.0.1:3000');
    }

    const forcedTTY = capture();
    logSome({ destination: forcedTTY.stream, format: 'auto', isTTY: true });
    assert.match(stripVTControlCharacters(forcedTTY.lines()[0]!), /INFO \(polyshop\).*polyshop ready/);
    const forcedPipe = capture(true);
    logSome({ destination: forcedPipe.stream, format: 'auto', isTTY: false });
    assert.equal(JSON.parse(forcedPipe.lines()[0]!).name, 'polyshop');
  });

  it('pretty on stdout is synchronous: a line logged just before process.exit is written', () => {
    const logger = fileURLToPath(new URL('./logger.ts', import.meta.url));
    const script = `import { createLogger } from ${JSON.stringify(logger)};
      createLogger({ format: 'pretty', name: 'polyshop' }).info('last words');
      process.exit(0);`;
    const result = spawnSync(process.execPath, ['--import', 'tsx', '--input-type=module', '-e', script], {
      encoding: 'utf8',
      timeout: 30_000,
      env: { ...process.env, NO_COLOR: '1' },
    });
    assert.equal(result.status, 0, result.stderr);
    assert.match(result.stdout, /^\[[\d:.]+\] INFO \(polyshop\): last words$/m);
  });
});
