import type { FastifyPluginAsync } from 'fastify';
import type { TypeBoxTypeProvider } from '@fastify/type-provider-typebox';
import { NoContent, ProblemSchema, type Authorizer } from '@polyshop/http';
import {
  assignRole,
  createRole,
  getRole,
  grantPermission,
  listRoles,
  revokePermission,
  unassignRole,
} from '../app/manage-roles.ts';
import { eraseUser, exportPersonalData } from '../app/personal-data.ts';
import { readAuditTrail } from '../app/read-users.ts';
import { USERS_ADMIN, type UsersDeps } from '../app/users-deps.ts';
import { actorOf, bearerSecurity } from './request-meta.ts';
import {
  AUDIT_PAGE_DEFAULT,
  AuditEntrySchema,
  AuditQuerySchema,
  ExportSchema,
  PermissionBody,
  PermissionSchema,
  RoleBody,
  RoleIdParams,
  RolePermissionParams,
  RoleSchema,
  UserIdParams,
  UserRoleParams,
} from './users-schemas.ts';
import Type from 'typebox';

/** Roles and permissions, role assignments, the audit trail (`users:admin`), and personal data export and erasure. */
export function adminRoutes(deps: UsersDeps, authorizer: Authorizer): FastifyPluginAsync {
  return async (plain) => {
    const app = plain.withTypeProvider<TypeBoxTypeProvider>();
    const admin = authorizer.authorize(USERS_ADMIN.resource, USERS_ADMIN.action);
    const tags = ['users: roles and permissions'];
    const security = bearerSecurity;

    app.get(
      '/roles',
      {
        preValidation: admin,
        schema: {
          tags,
          security,
          summary: 'Every role with its permissions',
          response: { 200: Type.Object({ items: Type.Array(RoleSchema) }) },
        },
      },
      async () => ({
        items: await listRoles(deps),
      }),
    );

    app.post(
      '/roles',
      {
        preValidation: admin,
        schema: {
          tags,
          security,
          summary: 'Create a role',
          body: RoleBody,
          response: { 201: RoleSchema, 409: ProblemSchema },
        },
      },
      async (request, reply) =>
        reply.status(201).send(await createRole(deps, request.body, actorOf(request))),
    );

    app.get(
      '/roles/:roleId',
      {
        preValidation: admin,
        schema: { tags, security, params: RoleIdParams, response: { 200: RoleSchema } },
      },
      async (request) => getRole(deps, request.params.roleId),
    );

    app.post(
      '/roles/:roleId/permissions',
      {
        preValidation: admin,
        schema: {
          tags,
          security,
          summary: 'Grant a permission to a role',
          params: RoleIdParams,
          body: PermissionBody,
          response: { 200: PermissionSchema, 201: PermissionSchema },
        },
      },
      async (request, reply) => {
        const { permission, granted } = await grantPermission(
          deps,
          request.params.roleId,
          request.body,
          actorOf(request),
        );
        return reply.status(granted ? 201 : 200).send(permission);
      },
    );

    app.delete(
      '/roles/:roleId/permissions/:permissionId',
      {
        preValidation: admin,
        schema: {
          tags,
          security,
          summary: 'Withdraw a permission from a role',
          params: RolePermissionParams,
          response: { 204: NoContent, 409: ProblemSchema },
        },
      },
      async (request, reply) => {
        await revokePermission(deps, request.params.roleId, request.params.permissionId, actorOf(request));
        return reply.status(204).send();
      },
    );

    app.put(
      '/:userId/roles/:roleId',
      {
        preValidation: admin,
        schema: {
          tags,
          security,
          summary: 'Give a role to a user',
          params: UserRoleParams,
          response: { 204: NoContent, 409: ProblemSchema },
        },
      },
      async (request, reply) => {
        await assignRole(deps, request.params.userId, request.params.roleId, actorOf(request));
        return reply.status(204).send();
      },
    );

    app.delete(
      '/:userId/roles/:roleId',
      {
        preValidation: admin,
        schema: {
          tags,
          security,
          summary: 'Take a role from a user',
          params: UserRoleParams,
          response: { 204: NoContent, 409: ProblemSchema },
        },
      },
      async (request, reply) => {
        await unassignRole(deps, request.params.userId, request.params.roleId, actorOf(request));
        return reply.status(204).send();
      },
    );

    app.get(
      '/audit',
      {
        preValidation: admin,
        schema: {
          tags: ['users: audit'],
          security,
          summary: 'The security audit trail, newest first',
          querystring: AuditQuerySchema,
          response: { 200: Type.Object({ items: Type.Array(AuditEntrySchema) }) },
        },
      },
      async (request) => {
        const { userId, type, from, to, before, limit } = request.query;
        const items = await readAuditTrail(deps, {
          limit: limit ?? AUDIT_PAGE_DEFAULT,
          ...(userId !== undefined ? { userId } : {}),
          ...(type !== undefined ? { type } : {}),
          ...(from !== undefined ? { from: new Date(from) } : {}),
          ...(to !== undefined ? { to: new Date(to) } : {}),
          ...(before !== undefined ? { before } : {}),
        });
        return { items };
      },
    );

    const privacy = ['users: personal data'];
    const authenticated = authorizer.authenticate();

    app.get(
      '/:userId/export',
      {
        preValidation: authenticated,
        schema: {
          tags: privacy,
          security,
          summary: 'All personal data held about the user (the user or an admin)',
          params: UserIdParams,
          response: { 200: ExportSchema },
        },
      },
      async (request) => exportPersonalData(deps, request.params.userId, actorOf(request)),
    );

    app.delete(
      '/:userId',
      {
        preValidation: authenticated,
        schema: {
          tags: privacy,
          security,
          summary: 'Erase the user: personal data anonymised, no more logins (the user or an admin)',
          params: UserIdParams,
          response: { 204: NoContent, 409: ProblemSchema },
        },
      },
      async (request, reply) => {
        await eraseUser(deps, request.params.userId, actorOf(request));
        return reply.status(204).send();
      },
    );
  };
}
