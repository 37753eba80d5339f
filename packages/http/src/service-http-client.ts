import { AppError, type ErrorKind, type Logger } from '@polyshop/kernel';
import { tracedServiceCall } from './http-tracing.ts';

export interface ServiceHttpClientOptions {
  /** The other service's base URL (`http://127.0.0.1:3003`); paths include the service prefix. */
  baseUrl: string;
  logger?: Logger;
  /** Per-attempt timeout. */
  timeoutMs?: number;
  /** Extra attempts after a network error, timeout or 502/503/504 — only for requests marked idempotent. */
  retries?: number;
  /** Credential for service-to-service calls (sent as a bearer token). */
  token?: () => string | undefined;
}

export interface ServiceRequest {
  method?: 'GET' | 'POST' | 'PUT' | 'PATCH' | 'DELETE';
  path: string;
  body?: unknown;
  headers?: Record<string, string>;
  /** Safe to send again (GET, or a write carrying an idempotency key): retried on transient failures. */
  idempotent?: boolean;
}

const KIND_BY_STATUS: Record<number, ErrorKind> = {
  400: 'invalid_input',
  401: 'unauthorized',
  403: 'forbidden',
  404: 'not_found',
  405: 'method_not_allowed',
  409: 'conflict',
  412: 'precondition_failed',
  413: 'payload_too_large',
  414: 'uri_too_long',
  415: 'unsupported_media_type',
  428: 'precondition_required',
  429: 'rate_limited',
  503: 'unavailable',
};

/** Options of a service's HTTP client (`new InventoryHttpClient(baseUrl, options)`). */
export interface InternalClientOptions {
  logger?: Logger;
  /** The service-to-service credential; defaults to the process's `POLYSHOP_INTERNAL_TOKEN`. */
  internalToken?: () => string | undefined;
}

/**
 * HTTP transport for a service's client in multi-process mode: JSON in and out, a timeout per
 * attempt, retries with backoff for idempotent requests, and problem+json answers turned back into
 * the same AppError (code, kind, field, details) the in-process client would have thrown.
 */
export class ServiceHttpClient {
  readonly #options: Required<Omit<ServiceHttpClientOptions, 'logger' | 'token'>> &
    Pick<ServiceHttpClientOptions, 'logger' | 'token'>;

  constructor(options: ServiceHttpClientOptions) {
    this.#options = { timeoutMs: 5000, retries: 2, ...options, baseUrl: options.baseUrl.replace(/\/$/, '') };
  }

  /**
   * The transport of a service's HTTP client: authenticated with the internal service token
   * (`POLYSHOP_INTERNAL_TOKEN` unless the options give another source).
   */
  static internal(baseUrl: string, options: InternalClientOptions = {}): ServiceHttpClient {
    return new ServiceHttpClient({
      baseUrl,
      ...(options.logger ? { logger: options.logger } : {}),
      token: options.internalToken ?? (() => process.env.POLYSHOP_INTERNAL_TOKEN),
    });
  }

  /** Sends the request; resolves to the parsed JSON body (undefined for 204), throws AppError otherwise. */
  async request<T>(request: ServiceRequest): Promise<T> {
    const attempts =
      1 + (request.idempotent || (request.method ?? 'GET') === 'GET' ? this.#options.retries : 0);
    let lastError: unknown;
    for (let attempt = 1; attempt <= attempts; attempt++) {
      try {
        return await this.#once<T>(request);
      } catch (error) {
        lastError = error;
        const transient =
          !(error instanceof AppError) || error.kind === 'unavailable' || error.code === 'HTTP.BAD_GATEWAY';
        if (!transient || attempt === attempts) break;
        this.#options.logger?.warn(
          { err: error, path: request.path, attempt },
          'service call failed; retrying',
        );
        await new Promise((resolve) => setTimeout(resolve, 100 * 2 ** (attempt - 1)));
      }
    }
    if (lastError instanceof AppError) throw lastError;
    throw AppError.unavailable(
      'SERVICE.UNREACHABLE',
      `${this.#options.baseUrl}${request.path} did not answer.`,
      { cause: lastError },
    );
  }

  async #once<T>(request: ServiceRequest): Promise<T> {
    const headers: Record<string, string> = { accept: 'application/json', ...request.headers };
    if (request.body !== undefined) headers['content-type'] = 'application/json';
    const token = this.#options.token?.();
    if (token && !headers.authorization) headers.authorization = `Bearer ${token}`;
    const url = `${this.#options.baseUrl}${request.path}`;
    const method = request.method ?? 'GET';
    const response = await tracedServiceCall(method, url, headers, () =>
      fetch(url, {
        method,
        headers,
        body: request.body === undefined ? null : JSON.stringify(request.body),
        signal: AbortSignal.timeout(this.#options.timeoutMs),
      }),
    );
    const text = await response.text();
    const body = text ? (JSON.parse(text) as unknown) : undefined;
    if (response.ok) return body as T;
    const problem = (body ?? {}) as {
      code?: string;
      detail?: string;
      field?: string;
      errors?: [];
      [key: string]: unknown;
    };
    if (response.status === 502 || response.status === 504) {
      throw AppError.unavailable('HTTP.BAD_GATEWAY', `Upstream answered ${response.status}.`);
    }
    const {
      type: _t,
      title: _ti,
      status: _s,
      detail,
      code,
      field,
      errors,
      instance: _i,
      requestId: _r,
      ...details
    } = problem;
    throw new AppError(
      KIND_BY_STATUS[response.status] ?? 'internal',
      code ?? `HTTP.${response.status}`,
      detail ?? response.statusText,
      {
        ...(field ? { field } : {}),
        ...(errors ? { errors } : {}),
        details,
      },
    );
  }
}
