import type { FastifyPluginAsync, FastifyRequest } from 'fastify';
import type { TypeBoxTypeProvider } from '@fastify/type-provider-typebox';
import Type from 'typebox';
import { AppError } from '@polyshop/kernel';
import { hasPermission, ProblemSchema, type Authorizer, type Principal } from '@polyshop/http';
import type { NotificationService } from '../app/notification-service.ts';
import {
  IdParams,
  ListQuery,
  NOTIFICATIONS_PAGE_DEFAULT,
  NotificationPageSchema,
  NotificationSchema,
  PreferencesBody,
  PreferencesParams,
  PreferencesSchema,
  SendBody,
  TemplateBody,
  TemplateParams,
  TemplateSchema,
  TemplateVersionQuery,
} from './notifications-schemas.ts';

const RESOURCE = 'notifications';
const tags = ['notifications'];
const security = [{ bearerAuth: [] }];
const problems = { 400: ProblemSchema, 401: ProblemSchema, 403: ProblemSchema, 404: ProblemSchema };

function principalOf(request: FastifyRequest): Principal {
  return request.principal!;
}

/** The user themself, or a holder of `notifications:admin`. */
function requireSelfOrAdmin(principal: Principal, userId: string): void {
  if (principal.userId !== userId && !hasPermission(principal, RESOURCE, 'admin')) {
    throw AppError.forbidden(
      'AUTH.FORBIDDEN',
      `Only the user themself or a holder of ${RESOURCE}:admin may do this.`,
      {
        field: 'userId',
        details: { required: `${RESOURCE}:admin` },
      },
    );
  }
}

/**
 * The delivery log (`notifications:read`, or one's own records), ad hoc sends (`notifications:send`),
 * templates (`notifications:admin`) and preferences (the user themself or `notifications:admin`).
 */
export function notificationsRoutes(
  service: NotificationService,
  authorizer: Authorizer,
): FastifyPluginAsync {
  return async (plain) => {
    const app = plain.withTypeProvider<TypeBoxTypeProvider>();
    // Guards run before validation, so a caller without a token learns nothing about the body's shape.
    const authenticated = { preValidation: authorizer.authenticate() };
    const admin = { preValidation: authorizer.authorize(RESOURCE, 'admin') };

    app.get(
      '/',
      {
        ...authenticated,
        schema: {
          tags,
          security,
          summary: 'The delivery log, newest first',
          description:
            'Without notifications:read only your own records are listed (userId defaults to you; another userId is 403).',
          querystring: ListQuery,
          response: { 200: NotificationPageSchema, ...problems },
        },
      },
      async (request) => {
        const principal = principalOf(request);
        const query = { ...request.query };
        if (!hasPermission(principal, RESOURCE, 'read')) {
          if (query.userId !== undefined && query.userId !== principal.userId) {
            throw AppError.forbidden(
              'AUTH.FORBIDDEN',
              `Listing another user's notifications needs ${RESOURCE}:read.`,
              { field: 'userId' },
            );
          }
          query.userId = principal.userId;
        }
        return service.listNotifications({ ...query, limit: query.limit ?? NOTIFICATIONS_PAGE_DEFAULT });
      },
    );

    app.get(
      '/:id',
      {
        ...authenticated,
        schema: {
          tags,
          security,
          summary: 'One notification record',
          params: IdParams,
          response: { 200: NotificationSchema, ...problems },
        },
      },
      async (request) => {
        const principal = principalOf(request);
        const record = await service.getNotification(request.params.id);
        if (record.recipient.userId !== principal.userId && !hasPermission(principal, RESOURCE, 'read')) {
          // Someone else's record is reported like a missing one: its existence is not disclosed.
          throw AppError.notFound(
            'NOTIFICATIONS.NOT_FOUND',
            `Notification ${request.params.id} does not exist.`,
            { field: 'id' },
          );
        }
        return record;
      },
    );

    app.post(
      '/',
      {
        preValidation: authorizer.authorize(RESOURCE, 'send'),
        schema: {
          tags,
          security,
          summary: 'Send one notification ad hoc',
          description:
            'Renders the latest template of the type per channel; every declared variable must be given. Delivery is asynchronous.',
          body: SendBody,
          response: { 201: NotificationSchema, ...problems, 409: ProblemSchema },
        },
      },
      async (request, reply) =>
        reply.status(201).send(await service.send(request.body, principalOf(request).userId)),
    );

    app.get(
      '/templates',
      {
        ...admin,
        schema: {
          tags,
          security,
          summary: 'The latest version of every template',
          response: { 200: Type.Array(TemplateSchema), ...problems },
        },
      },
      async () => service.listTemplates(),
    );

    app.get(
      '/templates/:type/:channel',
      {
        ...admin,
        schema: {
          tags,
          security,
          summary: 'A template (latest, or ?version=)',
          params: TemplateParams,
          querystring: TemplateVersionQuery,
          response: { 200: TemplateSchema, ...problems },
        },
      },
      async (request) =>
        service.getTemplate(request.params.type, request.params.channel, request.query.version),
    );

    app.get(
      '/templates/:type/:channel/versions',
      {
        ...admin,
        schema: {
          tags,
          security,
          summary: 'Every version of a template, newest first',
          params: TemplateParams,
          response: { 200: Type.Array(TemplateSchema), ...problems },
        },
      },
      async (request) => service.listTemplateVersions(request.params.type, request.params.channel),
    );

    app.put(
      '/templates/:type/:channel',
      {
        ...admin,
        schema: {
          tags,
          security,
          summary: 'Save a new version of a template',
          description:
            'Every PUT creates the next version; notifications record the version they used. A variable used but not declared is a 400.',
          params: TemplateParams,
          body: TemplateBody,
          response: { 200: TemplateSchema, 409: ProblemSchema, ...problems },
        },
      },
      async (request) =>
        service.saveTemplate(
          request.params.type,
          request.params.channel,
          request.body,
          principalOf(request).userId,
        ),
    );

    app.get(
      '/preferences/:userId',
      {
        ...authenticated,
        schema: {
          tags,
          security,
          summary: 'A user’s channel preferences',
          params: PreferencesParams,
          response: { 200: PreferencesSchema, ...problems },
        },
      },
      async (request) => {
        requireSelfOrAdmin(principalOf(request), request.params.userId);
        return service.getPreferences(request.params.userId);
      },
    );

    app.put(
      '/preferences/:userId',
      {
        ...authenticated,
        schema: {
          tags,
          security,
          summary: 'Set a user’s channel preferences',
          description: 'Respected on every send: an opted-out channel is recorded as suppressed, not sent.',
          params: PreferencesParams,
          body: PreferencesBody,
          response: { 200: PreferencesSchema, ...problems },
        },
      },
      async (request) => {
        requireSelfOrAdmin(principalOf(request), request.params.userId);
        return service.updatePreferences(request.params.userId, request.body);
      },
    );
  };
}
