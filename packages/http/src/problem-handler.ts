import { randomUUID } from 'node:crypto';
import { STATUS_CODES } from 'node:http';
import type { Socket } from 'node:net';
import type { FastifyBaseLogger, FastifyError, FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import {
  AppError,
  PROBLEM_CONTENT_TYPE,
  toProblem,
  type FieldError,
  type ProblemDetails,
} from '@polyshop/kernel';

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

/** What Node's HTTP parser refuses before any route sees the request, by the parser's error code. */
const CLIENT_ERRORS: Record<string, { status: number; code: string; detail: string }> = {
  HPE_HEADER_OVERFLOW: {
    status: 431,
    code: 'REQUEST.HEADERS_TOO_LARGE',
    detail: 'The request line and headers are larger than the limit (16 KiB): a URL or a header is too long.',
  },
  ERR_HTTP_REQUEST_TIMEOUT: {
    status: 408,
    code: 'REQUEST.TIMEOUT',
    detail: 'The request was not received in time.',
  },
};
const MALFORMED_HTTP = {
  status: 400,
  code: 'REQUEST.MALFORMED_HTTP',
  detail: 'The request is not valid HTTP.',
};

/**
 * Fastify's `clientErrorHandler`: a request Node's HTTP parser refused — an over-long URL or header
 * (431), a request not received in time (408), bytes that are not HTTP (400) — answered as
 * problem+json like every other error (Fastify's default wrote plain JSON), then the connection closed.
 */
export function sendClientErrorProblem(
  error: Error & { code?: string },
  socket: Socket,
  logger: Pick<FastifyBaseLogger, 'debug'>,
): void {
  if (error.code === 'ECONNRESET' || socket.destroyed) return;
  const { status, code, detail } = CLIENT_ERRORS[error.code ?? ''] ?? MALFORMED_HTTP;
  const title = STATUS_CODES[status] ?? 'Bad Request';
  const problem: ProblemDetails = {
    type: `https://polyshop.dev/problems/${code.toLowerCase().replace(/[._]/g, '-')}`,
    title,
    status,
    detail,
    code,
    requestId: randomUUID(),
  };
  const body = JSON.stringify(problem);
  logger.debug({ err: error, code }, 'client error');
  if (socket.writable)
    socket.write(
      `HTTP/1.1 ${status} ${title}\r\nContent-Type: ${PROBLEM_CONTENT_TYPE}\r\n` +
        `Content-Length: ${Buffer.byteLength(body)}\r\nConnection: close\r\n\r\n${body}`,
    );
  socket.destroy(error);
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
