import type { FastifyError, FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import { AppError, PROBLEM_CONTENT_TYPE, toProblem, type FieldError } from '@polyshop/kernel';

interface ValidationIssue {
  instancePath?: string;
  params?: Record<string, unknown>;
  message?: string;
}

/** `/items/0/quantity` + params → `items.0.quantity` (the field a client has to fix). */
function fieldOf(issue: ValidationIssue): string {
  const base = (issue.instancePath ?? '').replace(/^\//, '').split('/').filter(Boolean);
  const extra = issue.params?.missingProperty ?? issue.params?.additionalProperty;
  if (typeof extra === 'string') base.push(extra);
  return base.join('.');
}

function messageOf(issue: ValidationIssue): string {
  if (issue.params?.additionalProperty) return 'is not allowed';
  if (issue.params?.missingProperty) return 'is required';
  return issue.message ?? 'is invalid';
}

/** Translates Fastify's own errors (schema validation, body limits, bad JSON) into AppErrors. */
export function toAppError(error: FastifyError | AppError | Error): AppError | Error {
  if (error instanceof AppError) return error;
  const fastifyError = error as FastifyError & { validation?: ValidationIssue[]; validationContext?: string };
  if (fastifyError.validation) {
    const errors: FieldError[] = fastifyError.validation.map((issue) => ({
      field: fieldOf(issue) || fastifyError.validationContext || 'body',
      message: messageOf(issue),
    }));
    const first = errors[0]!;
    return AppError.invalidInput('REQUEST.VALIDATION', `${first.field} ${first.message}`, {
      errors,
      details: { in: fastifyError.validationContext },
    });
  }
  switch (fastifyError.code) {
    case 'FST_ERR_CTP_BODY_TOO_LARGE':
      return new AppError(
        'payload_too_large',
        'REQUEST.BODY_TOO_LARGE',
        'The request body is larger than the limit.',
      );
    case 'FST_ERR_CTP_INVALID_MEDIA_TYPE':
      return new AppError(
        'unsupported_media_type',
        'REQUEST.UNSUPPORTED_MEDIA_TYPE',
        'Send JSON with content-type application/json.',
        { field: 'content-type' },
      );
    case 'FST_ERR_MAX_PARAM_LENGTH':
      return new AppError(
        'uri_too_long',
        'REQUEST.URI_TOO_LONG',
        'A path parameter is longer than the limit.',
      );
    case 'FST_ERR_BAD_URL':
      return AppError.invalidInput('REQUEST.BAD_URL', 'The path is not a valid URL (bad percent-encoding).', {
        field: 'path',
      });
    case 'FST_ERR_CTP_EMPTY_JSON_BODY':
      return AppError.invalidInput('REQUEST.EMPTY_BODY', 'The JSON body is empty.', { field: 'body' });
    case 'FST_ERR_CTP_INVALID_JSON_BODY':
    case 'FST_ERR_CTP_INVALID_CONTENT_LENGTH':
      return AppError.invalidInput('REQUEST.MALFORMED_JSON', 'The body is not valid JSON.', {
        field: 'body',
      });
  }
  if (
    error instanceof SyntaxError ||
    (fastifyError.statusCode === 400 && !fastifyError.code?.startsWith('FST_ERR_'))
  ) {
    return AppError.invalidInput('REQUEST.MALFORMED', error.message, { field: 'body' });
  }
  return error;
}

/**
 * No route answers this request: a 405 naming the methods (`Allow`) when the path has routes for
 * other methods (an unknown method like `QUERY` included), else a 404.
 */
function routeMiss(request: FastifyRequest, reply: FastifyReply): AppError {
  const path = request.url.split('?')[0];
  const allowed = request.server.supportedMethods.filter(
    (method) => method !== request.method && request.server.findRoute({ method, url: request.url }) !== null,
  );
  if (allowed.length === 0)
    return AppError.notFound('ROUTE.NOT_FOUND', `No route for ${request.method} ${path}.`);
  reply.header('allow', allowed.join(', '));
  return new AppError(
    'method_not_allowed',
    'ROUTE.METHOD_NOT_ALLOWED',
    `${request.method} is not allowed on ${path}; it answers ${allowed.join(', ')}.`,
    { details: { allow: allowed } },
  );
}

export function sendProblem(reply: FastifyReply, request: FastifyRequest, error: unknown): FastifyReply {
  const problem = toProblem(error, request.url);
  problem.requestId = request.id;
  return reply.status(problem.status).type(PROBLEM_CONTENT_TYPE).send(problem);
}

/** Fastify's `frameworkErrors`: a bad URL (400) or an over-long path parameter (414), as problem+json. */
export function sendFrameworkProblem(
  error: FastifyError,
  request: FastifyRequest,
  reply: FastifyReply,
): void {
  void sendProblem(reply, request, toAppError(error));
}

/**
 * Every error leaves as `application/problem+json` (RFC 9457): AppErrors by kind, validation
 * failures as 400 naming each field, unknown routes as 404 (405 with `Allow` when only the method is
 * wrong), anything else as a 500 that is logged with its stack but never shown to the client.
 */
export function installProblemHandlers(app: FastifyInstance): void {
  app.setErrorHandler((error: FastifyError, request, reply) => {
    // a request no route took fails as that (405/404), whatever reading it failed on (`QUERY` needs a body)
    const missed = request.is404 || error.code === 'FST_ERR_NOT_FOUND';
    const mapped = missed ? routeMiss(request, reply) : toAppError(error);
    if (!(mapped instanceof AppError)) {
      request.log.error({ err: error }, 'unhandled error');
    } else if (mapped.kind === 'internal' || mapped.kind === 'unavailable') {
      request.log.warn({ err: error, code: mapped.code }, mapped.message);
    }
    return sendProblem(reply, request, mapped);
  });
  app.setNotFoundHandler((request, reply) => sendProblem(reply, request, routeMiss(request, reply)));
}
