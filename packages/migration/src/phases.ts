/**
 * The phases of a service's move from one store to another, in order. A migration never skips one:
 * `idle → dual-write → backfill → verify → read-switch → write-switch → finished`, then `cleanup`
 * only on an explicit command. `rollback` from any phase before `finished` returns to `idle` on the
 * old store, which has received every write throughout.
 */
export const PHASES = [
  'idle',
  'dual-write',
  'backfill',
  'verify',
  'read-switch',
  'write-switch',
  'finished',
  'cleanup',
] as const;

/** One phase of a migration (`PHASES`). */
export type Phase = (typeof PHASES)[number];

/** Where one process sends a service's reads and writes in a phase. */
export interface Routing {
  /** The source of truth: its repository writes first, with its outbox (events). */
  primary: 'from' | 'to';
  /** The other store, also written after the primary (a failure goes to the repair log), if any. */
  mirror: 'from' | 'to' | undefined;
  /** Where reads go. */
  reads: 'from' | 'to';
}

const ROUTING: Record<Phase, Routing> = {
  idle: { primary: 'from', mirror: undefined, reads: 'from' },
  'dual-write': { primary: 'from', mirror: 'to', reads: 'from' },
  backfill: { primary: 'from', mirror: 'to', reads: 'from' },
  verify: { primary: 'from', mirror: 'to', reads: 'from' },
  'read-switch': { primary: 'from', mirror: 'to', reads: 'to' },
  'write-switch': { primary: 'to', mirror: 'from', reads: 'to' },
  finished: { primary: 'to', mirror: undefined, reads: 'to' },
  cleanup: { primary: 'to', mirror: undefined, reads: 'to' },
};

/** Where reads and writes go in `phase`: the same in every process that applied its epoch. */
export function routingOf(phase: Phase): Routing {
  return ROUTING[phase];
}

/** The phase after `phase`, or undefined at the end. `finished → cleanup` needs the explicit command. */
export function nextPhase(phase: Phase): Phase | undefined {
  return PHASES[PHASES.indexOf(phase) + 1];
}

/** Whether a migration in `phase` may still be rolled back (everything before `finished`). */
export function canRollBack(phase: Phase): boolean {
  return phase !== 'idle' && PHASES.indexOf(phase) < PHASES.indexOf('finished');
}
