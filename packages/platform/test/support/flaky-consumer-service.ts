import type { Subscription } from '@polyshop/bus';
import type { AnyServiceDefinition } from '@polyshop/http';

/**
 * The consumer `probe.order-confirmed`: fails on every `order.confirmed` ('template missing') until
 * `state.fixed` is set, then records the event's id in `state.handled` — so the platform dead-letters it,
 * and a replay succeeds once it is fixed.
 */
export function flakySubscription(state: { fixed: boolean; handled: string[] }): Subscription {
  return {
    consumer: 'probe.order-confirmed',
    types: ['order.confirmed'],
    handler: async (event) => {
      if (!state.fixed) throw new Error('template missing');
      state.handled.push(event.id);
    },
  };
}

/**
 * A tiny service (mounted as `search`) running flakySubscription with `flakyConsumer` as its state.
 */
export const flakyConsumer = {
  fixed: false,
  handled: [] as string[],
  definition: {
    name: 'search',
    prefix: '/probe',
    defaultPort: 3007,
    stores: { variable: 'TEST_STORE', supported: ['postgres'], polyglot: 'postgres' },
    async create(context) {
      return {
        async routes() {},
        async start() {
          await context.bus.subscribe(flakySubscription(flakyConsumer));
        },
      };
    },
  } satisfies AnyServiceDefinition,
};
