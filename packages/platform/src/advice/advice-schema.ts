import Type, { type Static } from 'typebox';

/** One measured fact behind a verdict. */
export const EvidenceSchema = Type.Object({
  measure: Type.String({ description: 'what was measured', examples: ['peak reservations/s on one SKU'] }),
  value: Type.Union([Type.Number(), Type.Null()], { description: 'null: could not be measured' }),
  threshold: Type.Union([Type.Number(), Type.Null()], {
    description: 'reaching it fires the trigger; null: context only, never fires',
  }),
  unit: Type.String(),
  reached: Type.Boolean({ description: 'value ≥ threshold' }),
  window: Type.String({ description: 'the time the value covers' }),
  source: Type.String({ description: 'where the value was read' }),
  detail: Type.Optional(Type.String({ description: 'e.g. which SKU or category' })),
});

/** The verdict on one service's migration trigger from the seed's Phase 2. */
export const ServiceAdviceSchema = Type.Object({
  service: Type.String(),
  store: Type.String({ description: 'the store it runs on now (pglite | postgres | mongodb | …)' }),
  target: Type.String({ description: "the seed's store for it (the polyglot profile's)" }),
  trigger: Type.String({ description: "the seed's pain point that moves it to its target" }),
  status: Type.Union(
    [Type.Literal('fires'), Type.Literal('quiet'), Type.Literal('not-applicable'), Type.Literal('unknown')],
    {
      description:
        'fires: a measure reached its threshold; quiet: none did; not-applicable: already on its target, or PostgreSQL is the seed’s choice, or a move is under way; unknown: nothing could be measured',
    },
  ),
  note: Type.Optional(Type.String()),
  evidence: Type.Array(EvidenceSchema),
  command: Type.Optional(Type.String({ description: 'the command that acts on it (only when it fires)' })),
});

export const AdviceSchema = Type.Object(
  {
    generatedAt: Type.String({ format: 'date-time' }),
    window: Type.Object({
      seconds: Type.Integer(),
      from: Type.String({ format: 'date-time' }),
      to: Type.String({ format: 'date-time' }),
    }),
    services: Type.Array(ServiceAdviceSchema),
  },
  { $id: 'Advice' },
);

export type Evidence = Static<typeof EvidenceSchema>;
export type ServiceAdvice = Static<typeof ServiceAdviceSchema>;
export type Advice = Static<typeof AdviceSchema>;
export type AdviceStatus = ServiceAdvice['status'];

/** An evidence entry; `reached` is derived (a null value or threshold never reaches). */
export function evidence(fields: Omit<Evidence, 'reached'>): Evidence {
  const reached = fields.value !== null && fields.threshold !== null && fields.value >= fields.threshold;
  return { ...fields, reached };
}

/** A measure that could not be taken, and why (never a made-up zero). */
export function unmeasured(measure: string, unit: string, window: string, why: string): Evidence {
  return evidence({ measure, value: null, threshold: null, unit, window, source: why });
}
