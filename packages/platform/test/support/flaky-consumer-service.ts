import type { ServiceDefinition } from '@polyshop/http';

/**
 * A tiny service (mounted as `search`) whose consumer `probe.order-confirmed` fails on every
 * `order.confirmed` until `flakyConsumer.fixed` is set, so the platform dead-letters it.
 */
export const flakyConsumer = {
  fixed: false,
  handled: [] as string[],
  definition: {
    name: 'search',
    async create(context) {
      return {
        name: 'search',
        prefix: '/probe',
        async routes() {},
        async start() {
          await context.bus.subscribe({
            consumer: 'probe.order-confirmed',
            types: ['order.confirmed'],
            handler: async (event) => {
              if (!flakyConsumer.fixed) throw new Error('template missing');
              flakyConsumer.handled.push(event.id);
            },
          });
        },
      };
    },
  } satisfies ServiceDefinition,
};
