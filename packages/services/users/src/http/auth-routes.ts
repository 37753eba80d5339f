import type { FastifyPluginAsync } from 'fastify';
import type { TypeBoxTypeProvider } from '@fastify/type-provider-typebox';
import { AppError } from '@polyshop/kernel';
import { NoContent, ProblemSchema, type Authorizer } from '@polyshop/http';
import { assertInternalCaller, introspect } from '../app/introspect.ts';
import { findUserSummary, getProfile } from '../app/read-users.ts';
import { registerUser } from '../app/register-user.ts';
import { logIn, logOut, refreshSession } from '../app/sessions.ts';
import { userNotFound, type UsersDeps } from '../app/users-deps.ts';
import { toRegisteredUserView } from '../app/users-views.ts';
import { bearerSecurity, metaOf } from './request-meta.ts';
import {
  IntrospectBody,
  LoginBody,
  LogoutBody,
  MeSchema,
  PrincipalSchema,
  RefreshBody,
  RegisterBody,
  TokenPairSchema,
  UserCreated,
  UserIdParams,
  UserSummarySchema,
} from './users-schemas.ts';
import { bearerToken } from './users-authorizer.ts';

const tags = ['users'];

/** Registration, login, token refresh, logout, `/me`, and the internal introspection other processes use. */
export function authRoutes(deps: UsersDeps, authorizer: Authorizer): FastifyPluginAsync {
  return async (plain) => {
    const app = plain.withTypeProvider<TypeBoxTypeProvider>();

    app.post(
      '/register',
      {
        schema: {
          tags,
          summary: 'Create an account',
          body: RegisterBody,
          response: { 201: UserCreated, 409: ProblemSchema },
        },
      },
      async (request, reply) => {
        const user = await registerUser(deps, request.body, metaOf(request));
        return reply.status(201).send(toRegisteredUserView(user));
      },
    );

    app.post(
      '/login',
      {
        schema: {
          tags,
          summary: 'Log in: an access and a refresh token',
          body: LoginBody,
          response: { 200: TokenPairSchema, 401: ProblemSchema, 429: ProblemSchema },
        },
      },
      async (request, reply) => {
        try {
          return await logIn(deps, request.body, metaOf(request));
        } catch (error) {
          const retryAfter = error instanceof AppError ? error.details?.retryAfter : undefined;
          if (typeof retryAfter === 'number') reply.header('retry-after', String(retryAfter));
          throw error;
        }
      },
    );

    app.post(
      '/token/refresh',
      {
        schema: {
          tags,
          summary: 'Exchange a refresh token (it rotates)',
          body: RefreshBody,
          response: { 200: TokenPairSchema, 401: ProblemSchema },
        },
      },
      async (request) => refreshSession(deps, request.body.refreshToken, metaOf(request)),
    );

    app.post(
      '/logout',
      {
        // The body is optional: a bare POST with the access token is the usual logout.
        preValidation: async (request) => {
          request.body ??= {};
        },
        schema: {
          tags,
          summary: 'End the session of the access token (or of the refresh token in the body)',
          body: LogoutBody,
          security: bearerSecurity,
          response: { 204: NoContent },
        },
      },
      async (request, reply) => {
        await logOut(
          deps,
          { accessToken: bearerToken(request), refreshToken: request.body?.refreshToken },
          metaOf(request),
        );
        return reply.status(204).send();
      },
    );

    app.get(
      '/me',
      {
        preValidation: authorizer.authenticate(),
        schema: {
          tags,
          summary: 'My profile, roles and effective permissions',
          security: bearerSecurity,
          response: { 200: MeSchema },
        },
      },
      async (request) => getProfile(deps, request.principal!),
    );

    app.post(
      '/internal/introspect',
      {
        // Checked before the body: a caller without the internal credential learns nothing.
        preValidation: async (request) => assertInternalCaller(deps, bearerToken(request)),
        schema: {
          tags: ['internal'],
          summary:
            'The current principal of a token (other services’ authorizers; needs POLYSHOP_INTERNAL_TOKEN)',
          body: IntrospectBody,
          security: bearerSecurity,
          response: { 200: PrincipalSchema },
        },
      },
      async (request) => introspect(deps, request.body.token),
    );

    app.get(
      '/internal/users/:userId',
      {
        preValidation: authorizer.authorize('users', 'read'),
        schema: {
          tags: ['internal'],
          summary: 'A user’s summary (service-to-service)',
          params: UserIdParams,
          security: bearerSecurity,
          response: { 200: UserSummarySchema },
        },
      },
      async (request) => {
        const user = await findUserSummary(deps, request.params.userId);
        if (!user) throw userNotFound();
        return user;
      },
    );
  };
}
