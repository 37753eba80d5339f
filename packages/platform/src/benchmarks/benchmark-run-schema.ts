import Type from 'typebox';

/**
 * The raw run `npm run bench -- --report` saves beside its study (`<report folder>/benchmarks/results.json`,
 * `RunRecord` in packages/bench/src/report/write-report.ts), as `GET /admin/benchmarks` serves it. Objects
 * keep properties not named here, so a field the bench adds later still reaches the console.
 */
const open = { additionalProperties: true } as const;

const LoadResult = Type.Object(
  {
    perSecond: Type.Number({ description: 'operations that succeeded per second of wall time' }),
    ok: Type.Integer(),
    failed: Type.Integer(),
    firstError: Type.Optional(Type.String()),
    p50Ms: Type.Number(),
    p99Ms: Type.Number(),
  },
  open,
);

const Comparison = Type.Object(
  {
    scenario: Type.String(),
    label: Type.String({ description: 'what was measured, e.g. `PGlite c=16`' }),
    polyshop: LoadResult,
    anchor: LoadResult,
    anchorName: Type.String(),
    ratio: Type.Number({
      description: 'polyshop.perSecond / anchor.perSecond, or with metric p99, polyshop.p99Ms / anchor.p99Ms',
    }),
    rounds: Type.Integer(),
    metric: Type.Optional(Type.Union([Type.Literal('rate'), Type.Literal('p99')])),
    goal: Type.Optional(
      Type.Object({
        ratio: Type.Number(),
        is: Type.Union([Type.Literal('at least'), Type.Literal('at most')]),
      }),
    ),
  },
  open,
);

const ResultTable = Type.Object({
  title: Type.String(),
  columns: Type.Array(Type.String()),
  rows: Type.Array(Type.Array(Type.Union([Type.String(), Type.Number()]))),
});

const ScenarioResult = Type.Object(
  {
    scenario: Type.String(),
    target: Type.String(),
    comparisons: Type.Array(Comparison),
    checks: Type.Record(Type.String(), Type.Number(), { description: 'correctness figures (oversold: 0)' }),
    tables: Type.Optional(Type.Array(ResultTable)),
    loadAverage: Type.Optional(Type.Number({ description: "the machine's 1-minute load as it ended" })),
  },
  open,
);

export const BenchmarkRunSchema = Type.Object(
  {
    scale: Type.String(),
    command: Type.String({ description: 'the command line that produced it' }),
    startedAt: Type.String({ format: 'date-time' }),
    finishedAt: Type.String({ format: 'date-time' }),
    environment: Type.Object(
      {
        machine: Type.Object(
          {
            cpu: Type.String(),
            cores: Type.Integer(),
            memoryGiB: Type.Number(),
            kernel: Type.String(),
            node: Type.String(),
            loadAtStart: Type.Number(),
            loadAtEnd: Type.Optional(Type.Number()),
          },
          open,
        ),
        stores: Type.Array(
          Type.Object(
            {
              target: Type.String(),
              server: Type.String(),
              settings: Type.String(),
              standIn: Type.Boolean(),
            },
            open,
          ),
        ),
      },
      open,
    ),
    results: Type.Array(ScenarioResult),
  },
  { $id: 'BenchmarkRun', ...open },
);
