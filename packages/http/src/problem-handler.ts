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
      return AppError.invalidInput(
        'REQUEST.UNSUPPORTED_MEDIA_TYPE',
        'Send JSON with content-type application/json.',
        { field: 'content-type' },
      );
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

export function sendProblem(reply: FastifyReply, request: FastifyRequest, error: unknown): FastifyReply {
  const problem = toProblem(error, request.url);
  problem.requestId = request.id;
  return reply.status(problem.status).type(PROBLEM_CONTENT_TYPE).send(problem);
}

/**
 * Every error leaves as `application/problem+json` (RFC 9457): AppErrors by kind, validation
 * failures as 400 naming each field, unknown routes as 404, anything else as a 500 that is logged
 * with its stack but never shown to the client.
 */
export function installProblemHandlers(app: FastifyInstance): void {
  app.setErrorHandler((error: FastifyError, request, reply) => {
    const mapped = toAppError(error);
    if (!(mapped instanceof AppError)) {
      request.log.error({ err: error }, 'unhandled error');
    } else if (mapped.kind === 'internal' || mapped.kind === 'unavailable') {
      request.log.warn({ err: error, code: mapped.code }, mapped.message);
    }
    return sendProblem(reply, request, mapped);
  });
  app.setNotFoundHandler((request, reply) =>
    sendProblem(
      reply,
      request,
      AppError.notFound('ROUTE.NOT_FOUND', `No route for ${request.method} ${request.url.split('?')[0]}.`),
    ),
  );
}
