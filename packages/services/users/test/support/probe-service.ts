import type { AnyServiceDefinition } from '@polyshop/http';

/**
 * A test-only service standing in for another service: one route guarded by `products:write`
 * through the platform's authorizer, exactly as the product service will guard its writes.
 */
export const probeService: AnyServiceDefinition = {
  name: 'products',
  prefix: '/probe',
  defaultPort: 3002,
  stores: { variable: 'TEST_STORE', supported: ['postgres'], polyglot: 'postgres' },
  async create(context) {
    return {
      async routes(app) {
        app.post(
          '/things',
          { preHandler: context.authorizer.authorize('products', 'write') },
          async (request, reply) => reply.status(201).send({ createdBy: request.principal!.userId }),
        );
        app.get(
          '/whoami',
          { preHandler: context.authorizer.authenticate() },
          async (request) => request.principal,
        );
      },
    };
  },
};
