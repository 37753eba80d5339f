import type { SagaStep } from '../domain/checkout-saga.ts';
import { SAGA_STEPS } from '../domain/checkout-saga.ts';

/**
 * A crash injected into the saga runner (tests only): right after `step` ran, either before its
 * result is saved (`before_save`: the other service did it, the order does not know) or after
 * (`after_save`); or, with `late_undo`, in place of the call that undoes a `step` its driver did
 * late, after losing the saga to a compensation (the call fails). `throw` raises a `SimulatedCrash`;
 * `exit` ends the process on the spot.
 */
export interface SagaFault {
  step: SagaStep;
  phase: 'before_save' | 'after_save' | 'late_undo';
  action: 'throw' | 'exit';
}

/** The error a `throw` fault raises: the saga stops where it is, as if the process had died. */
export class SimulatedCrash extends Error {
  constructor(readonly fault: SagaFault) {
    super(`simulated crash after ${fault.step} (${fault.phase})`);
    this.name = 'SimulatedCrash';
  }
}

/** Exit code of a process ended by an `exit` fault. */
export const CRASH_EXIT_CODE = 86;

/** Triggers `fault` if it matches this point of the saga. */
export function checkFault(fault: SagaFault | undefined, step: SagaStep, phase: SagaFault['phase']): void {
  if (!fault || fault.step !== step || fault.phase !== phase) return;
  if (fault.action === 'exit') {
    process.stderr.write(`orders: simulated crash after ${step} (${phase}); exiting\n`);
    process.exit(CRASH_EXIT_CODE);
  }
  throw new SimulatedCrash(fault);
}

const PHASES: readonly string[] = ['before_save', 'after_save', 'late_undo'] satisfies SagaFault['phase'][];

/**
 * Parses `ORDERS_TEST_CRASH` (`<step>:<before_save|after_save|late_undo>[:throw|exit]`). Honoured only with
 * `NODE_ENV=test`, so a production process can never be told to crash itself.
 */
export function faultFromEnv(value: string | undefined, nodeEnv: string | undefined): SagaFault | undefined {
  if (!value) return undefined;
  if (nodeEnv !== 'test') throw new Error('ORDERS_TEST_CRASH is only honoured with NODE_ENV=test.');
  const [step, phase, action = 'exit'] = value.split(':');
  if (
    !SAGA_STEPS.includes(step as SagaStep) ||
    phase === undefined ||
    !PHASES.includes(phase) ||
    (action !== 'throw' && action !== 'exit')
  ) {
    throw new Error(
      `ORDERS_TEST_CRASH must be <step>:<before_save|after_save|late_undo>[:throw|exit], got "${value}".`,
    );
  }
  return { step: step as SagaStep, phase: phase as SagaFault['phase'], action };
}
