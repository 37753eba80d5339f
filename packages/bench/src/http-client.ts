import { Agent, request } from 'node:http';

/** A status and parsed JSON body. */
export interface JsonResponse {
  status: number;
  body: unknown;
}

/**
 * JSON over HTTP/1.1 with kept-alive connections, on `node:http`: the load client shares the process
 * (and the machine's two cores) with the platform it measures, so it must cost little. `fetch` costs
 * several times more CPU per request (streams, timing entries) and would be counted against polyshop.
 */
export function jsonClient(base: string): {
  send(method: string, path: string, body: unknown, headers: Record<string, string>): Promise<JsonResponse>;
  close(): void;
} {
  const agent = new Agent({ keepAlive: true, maxSockets: 512 });
  const send = (method: string, path: string, body: unknown, headers: Record<string, string>) =>
    new Promise<JsonResponse>((resolve, reject) => {
      const payload = body === undefined ? undefined : JSON.stringify(body);
      const req = request(
        `${base}${path}`,
        {
          method,
          agent,
          headers: payload === undefined ? headers : { ...headers, 'content-type': 'application/json' },
        },
        (res) => {
          const chunks: Buffer[] = [];
          res.on('data', (chunk: Buffer) => chunks.push(chunk));
          res.on('error', reject);
          res.on('end', () => {
            const text = Buffer.concat(chunks).toString('utf8');
            try {
              resolve({
                status: res.statusCode ?? 0,
                body: text ? (JSON.parse(text) as unknown) : undefined,
              });
            } catch (error) {
              reject(error instanceof Error ? error : new Error(String(error)));
            }
          });
        },
      );
      req.on('error', reject);
      req.end(payload);
    });
  return { send, close: () => agent.destroy() };
}
