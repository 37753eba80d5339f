import type { FastifyPluginAsync, FastifyReply } from 'fastify';
import { AppError } from '@polyshop/kernel';
import { buildConsole, type ConsoleBundle } from './build-console.ts';

/** The page every console URL starts from; the console routes by the URL's fragment (`#/overview`). */
const INDEX_HTML = `<!doctype html>
<html lang="en">
  <head>
    <meta charset="utf-8" />
    <meta name="viewport" content="width=device-width, initial-scale=1" />
    <title>polyshop console</title>
    <link rel="stylesheet" href="/console/app.css" />
    <script type="module" src="/console/app.js"></script>
  </head>
  <body>
    <div id="app"></div>
    <noscript>The polyshop console needs JavaScript.</noscript>
  </body>
</html>
`;

/** Only this origin's scripts, styles and API; no framing. */
const CONTENT_SECURITY_POLICY = [
  "default-src 'self'",
  "script-src 'self'",
  "style-src 'self'",
  "img-src 'self' data:",
  "connect-src 'self'",
  "frame-ancestors 'none'",
  "base-uri 'none'",
  "form-action 'self'",
].join('; ');

/**
 * The operator console, mounted by the platform at `/console`: the page, its script and its stylesheet
 * (hidden from the OpenAPI document). The browser code is bundled on the first request and kept; a
 * failed build answers 500 and is tried again on the next request.
 */
export function consoleRoutes(): FastifyPluginAsync {
  return async (app) => {
    let bundle: Promise<ConsoleBundle> | undefined;
    const built = () =>
      (bundle ??= buildConsole().catch((error: unknown) => {
        bundle = undefined;
        throw error;
      }));
    const send = (reply: FastifyReply, type: string, body: string) =>
      reply
        .type(type)
        .header('cache-control', 'no-cache')
        .header('x-content-type-options', 'nosniff')
        .header('content-security-policy', CONTENT_SECURITY_POLICY)
        .send(body);
    const hide = { schema: { hide: true } };

    app.get('/', hide, async (_request, reply) => send(reply, 'text/html; charset=utf-8', INDEX_HTML));
    app.get('/app.js', hide, async (_request, reply) =>
      send(reply, 'text/javascript; charset=utf-8', (await built()).script),
    );
    app.get('/app.css', hide, async (_request, reply) =>
      send(reply, 'text/css; charset=utf-8', (await built()).stylesheet),
    );
    app.get<{ Params: { name: string } }>('/chunks/:name', hide, async (request, reply) => {
      const chunk = (await built()).chunks.get(request.params.name);
      if (chunk === undefined)
        throw AppError.notFound('CONSOLE.NO_SUCH_CHUNK', `The console has no chunk ${request.params.name}.`);
      return send(reply, 'text/javascript; charset=utf-8', chunk);
    });
  };
}
