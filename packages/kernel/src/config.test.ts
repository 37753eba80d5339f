import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import Type from 'typebox';
import { ConfigError, loadConfig } from './config.ts';

const Schema = Type.Object({
  PORT: Type.Integer({ minimum: 1, maximum: 65535, default: 3000 }),
  LOG_LEVEL: Type.Union([Type.Literal('info'), Type.Literal('debug')], { default: 'info' }),
  DATABASE_URL: Type.Optional(Type.String({ pattern: '^postgres(ql)?://' })),
  SECRET: Type.String({ minLength: 8 }),
});

describe('loadConfig', () => {
  it('converts strings and applies defaults', () => {
    const config = loadConfig(Schema, { PORT: '8080', SECRET: 'long-enough' });
    assert.deepEqual(config, { PORT: 8080, LOG_LEVEL: 'info', SECRET: 'long-enough' });
  });

  it('names the variable with a bad value and what it got', () => {
    assert.throws(
      () => loadConfig(Schema, { PORT: 'eighty', SECRET: 'long-enough' }),
      (error: unknown) =>
        error instanceof ConfigError &&
        error.variables.join() === 'PORT' &&
        /PORT: .*"eighty"/.test(error.message),
    );
  });

  it('rejects out-of-range numbers and values outside an enumeration', () => {
    assert.throws(() => loadConfig(Schema, { PORT: '70000', SECRET: 'long-enough' }), /PORT/);
    assert.throws(() => loadConfig(Schema, { LOG_LEVEL: 'loud', SECRET: 'long-enough' }), /LOG_LEVEL/);
    assert.throws(
      () => loadConfig(Schema, { DATABASE_URL: 'mysql://x', SECRET: 'long-enough' }),
      /DATABASE_URL/,
    );
  });

  it('names a missing required variable, and every bad variable at once', () => {
    assert.throws(
      () => loadConfig(Schema, { PORT: '0' }),
      (error: unknown) => error instanceof ConfigError && error.variables.sort().join() === 'PORT,SECRET',
    );
  });

  it('treats an empty variable as unset', () => {
    assert.equal(loadConfig(Schema, { PORT: '', SECRET: 'long-enough' }).PORT, 3000);
  });
});
