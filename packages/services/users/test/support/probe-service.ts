import type { ServiceDefinition } from '@polyshop/http';

/**
 * A test-only service standing in for another service: one route guarded by `products:write`
 * through the platform's authorizer, exactly as the product service will guard its writes.
 */
export const probeService: ServiceDefinition = {
  name: 'products',
  async create(context) {
    return {
      name: 'products',
      prefix: '/probe',
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
