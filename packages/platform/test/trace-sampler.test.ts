import assert from 'node:assert/strict';
import { test } from 'node:test';
import { ROOT_CONTEXT, SpanKind, trace, TraceFlags } from '@opentelemetry/api';
import { SamplingDecision } from '@opentelemetry/sdk-trace-node';
import { ConfigError } from '@polyshop/kernel';
import { traceSampler } from '../src/trace-sampler.ts';

// its four 32-bit words XOR to 0xffffffff, above every ratio's bound: kept only at ratio 1
const TRACE_ID = 'ffffffff000000000000000000000000';
const sampledParent = trace.setSpanContext(ROOT_CONTEXT, {
  traceId: '0af7651916cd43dd8448eb211c80319c',
  spanId: 'b7ad6b7169203331',
  traceFlags: TraceFlags.SAMPLED,
  isRemote: true,
});

function decide(env: NodeJS.ProcessEnv, parent = ROOT_CONTEXT): SamplingDecision {
  return traceSampler(env).shouldSample(parent, TRACE_ID, 'POST /orders', SpanKind.SERVER, {}, []).decision;
}

test('the sampler follows OTEL_TRACES_SAMPLER and its ratio, every trace by default', () => {
  assert.equal(decide({}), SamplingDecision.RECORD_AND_SAMPLED);
  assert.match(traceSampler({}).toString(), /ParentBased\{root=AlwaysOnSampler/);
  assert.equal(decide({ OTEL_TRACES_SAMPLER: 'always_off' }), SamplingDecision.NOT_RECORD);
  const oneInTen = { OTEL_TRACES_SAMPLER: 'parentbased_traceidratio', OTEL_TRACES_SAMPLER_ARG: '0.1' };
  assert.equal(decide(oneInTen), SamplingDecision.NOT_RECORD);
  assert.match(traceSampler(oneInTen).toString(), /TraceIdRatioBased\{0\.1\}/);
  // a caller that sampled its trace keeps it sampled here, whatever the ratio
  assert.equal(decide(oneInTen, sampledParent), SamplingDecision.RECORD_AND_SAMPLED);
  assert.equal(
    decide({ OTEL_TRACES_SAMPLER: 'traceidratio', OTEL_TRACES_SAMPLER_ARG: '1' }),
    SamplingDecision.RECORD_AND_SAMPLED,
  );
});

test('an unknown sampler or a ratio outside 0–1 is a configuration error naming the variable', () => {
  assert.throws(
    () => traceSampler({ OTEL_TRACES_SAMPLER: 'sometimes' }),
    (error: unknown) => error instanceof ConfigError && /OTEL_TRACES_SAMPLER/.test(error.message),
  );
  assert.throws(
    () => traceSampler({ OTEL_TRACES_SAMPLER: 'traceidratio', OTEL_TRACES_SAMPLER_ARG: '1.5' }),
    (error: unknown) => error instanceof ConfigError && /OTEL_TRACES_SAMPLER_ARG/.test(error.message),
  );
});
