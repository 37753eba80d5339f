import Type from 'typebox';
import { loadConfig } from '@polyshop/kernel';
import {
  AlwaysOffSampler,
  AlwaysOnSampler,
  ParentBasedSampler,
  TraceIdRatioBasedSampler,
  type Sampler,
} from '@opentelemetry/sdk-trace-node';

/** OpenTelemetry's standard sampler variables, read from the platform's environment (README, Tracing). */
export const TraceSamplerConfigSchema = Type.Object({
  OTEL_TRACES_SAMPLER: Type.Union(
    [
      Type.Literal('always_on'),
      Type.Literal('always_off'),
      Type.Literal('traceidratio'),
      Type.Literal('parentbased_always_on'),
      Type.Literal('parentbased_always_off'),
      Type.Literal('parentbased_traceidratio'),
    ],
    { default: 'parentbased_always_on' },
  ),
  /** The ratio of the `*traceidratio` samplers: 0 (none) to 1 (every trace). */
  OTEL_TRACES_SAMPLER_ARG: Type.Number({ minimum: 0, maximum: 1, default: 1 }),
});

/**
 * The sampler `env` asks for: every trace by default (`parentbased_always_on`, the specification's
 * default); `parentbased_traceidratio` with `OTEL_TRACES_SAMPLER_ARG=0.1` keeps one trace in ten, and
 * a request arriving with a sampled `traceparent` is traced whatever the ratio. An unknown sampler or
 * a ratio outside 0–1 stops start-up with the variable named (the SDK would only log it).
 */
export function traceSampler(env: NodeJS.ProcessEnv): Sampler {
  const config = loadConfig(TraceSamplerConfigSchema, env);
  const ratio = () => new TraceIdRatioBasedSampler(config.OTEL_TRACES_SAMPLER_ARG);
  switch (config.OTEL_TRACES_SAMPLER) {
    case 'always_on':
      return new AlwaysOnSampler();
    case 'always_off':
      return new AlwaysOffSampler();
    case 'traceidratio':
      return ratio();
    case 'parentbased_always_on':
      return new ParentBasedSampler({ root: new AlwaysOnSampler() });
    case 'parentbased_always_off':
      return new ParentBasedSampler({ root: new AlwaysOffSampler() });
    case 'parentbased_traceidratio':
      return new ParentBasedSampler({ root: ratio() });
  }
}
