import type { AnyServiceDefinition } from '@polyshop/http';

/**
 * A tiny service (mounted as `search`) whose consumer `probe.order-confirmed` fails on every
 * `order.confirmed` until `flakyConsumer.fixed` is set, so the platform dead-letters it.
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
  } satisfies AnyServiceDefinition,
};
