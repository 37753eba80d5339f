/** A request as a test client makes it: the shape of Fastify's `inject` options that tests use. */
export interface InjectRequest {
  method: 'GET' | 'POST' | 'PUT' | 'PATCH' | 'DELETE';
  url: string;
  /** A JSON body (an object), or a body as it is. */
  payload?: object | string;
  headers?: Record<string, string>;
}

/** An answer as a test client reads it: the shape of Fastify's `inject` response. */
export interface InjectAnswer {
  statusCode: number;
  headers: Record<string, string | string[] | number | undefined>;
  body: string;
  json<T = unknown>(): T;
}

/**
 * A platform as a test's clients see it: `app.inject`, answered in this process (a `Platform`) or by
 * a real server over HTTP (`httpInjectTarget`), so that one workload runs against either.
 */
export interface InjectTarget {
  app: { inject(request: InjectRequest): Promise<InjectAnswer> };
}

/** Statuses a load balancer answers when it could not get an answer from a replica. */
const GATEWAY_STATUSES = new Set([502, 503, 504]);

/** What an `httpInjectTarget` sent again, and why (`<METHOD> <url>: <status or error>`). */
export interface RetryLog {
  retries: string[];
}

/**
 * `InjectTarget` over real HTTP to `base` (`http://host:port`), as a careful client behind a load
 * balancer behaves: a request that is safe to send again (a read, or a write carrying an
 * `Idempotency-Key`) is sent again, with the same key, when the balancer answers 502/503/504 or the
 * connection fails — at most `attempts` times, each retry kept in `log`. Any other request's first
 * answer is the answer.
 */
export function httpInjectTarget(
  base: string,
  options: { attempts?: number; pauseMs?: number; log?: RetryLog } = {},
): InjectTarget {
  const attempts = options.attempts ?? 5;
  const pauseMs = options.pauseMs ?? 200;
  const send = async (request: InjectRequest): Promise<InjectAnswer> => {
    const json = request.payload !== undefined && typeof request.payload !== 'string';
    const response = await fetch(`${base}${request.url}`, {
      method: request.method,
      headers: { ...(json ? { 'content-type': 'application/json' } : {}), ...request.headers },
      ...(request.payload === undefined
        ? {}
        : { body: json ? JSON.stringify(request.payload) : (request.payload as string) }),
    });
    const body = await response.text();
    return {
      statusCode: response.status,
      headers: Object.fromEntries(response.headers),
      body,
      json: <T>() => JSON.parse(body) as T,
    };
  };
  return {
    app: {
      async inject(request) {
        const safe =
          request.method === 'GET' ||
          Object.keys(request.headers ?? {}).some((name) => name.toLowerCase() === 'idempotency-key');
        for (let attempt = 1; ; attempt++) {
          let outcome: InjectAnswer | Error;
          try {
            outcome = await send(request);
          } catch (error) {
            outcome = error instanceof Error ? error : new Error(String(error));
          }
          const failed = outcome instanceof Error || GATEWAY_STATUSES.has(outcome.statusCode);
          if (!failed || !safe || attempt >= attempts) {
            if (outcome instanceof Error) throw outcome;
            return outcome;
          }
          const why = outcome instanceof Error ? outcome.message : String(outcome.statusCode);
          options.log?.retries.push(`${request.method} ${request.url}: ${why}`);
          await new Promise((resolve) => setTimeout(resolve, pauseMs));
        }
      },
    },
  };
}
