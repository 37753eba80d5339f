import {
  createServer,
  type IncomingHttpHeaders,
  type IncomingMessage,
  type Server,
  type ServerResponse,
} from 'node:http';
import type { AddressInfo } from 'node:net';

export interface ReceivedCall {
  body: Record<string, unknown>;
  headers: IncomingHttpHeaders;
  /** What the receiver answered. */
  status: number;
}

/**
 * A local HTTP receiver standing in for an sms or push provider (`node:http` on 127.0.0.1). By
 * default it fails the first `failFirst` calls of each idempotency key with `failStatus`, then
 * accepts with `{ "messageId": … }`; `failFirst: Infinity` fails every call.
 */
export class WebhookReceiver {
  readonly calls: ReceivedCall[] = [];
  readonly #server: Server;
  readonly #behaviour: { failFirst: number; failStatus: number };
  #held: Promise<void> | undefined;
  #waiting = 0;
  #port = 0;

  private constructor(behaviour: { failFirst: number; failStatus: number }) {
    this.#behaviour = behaviour;
    this.#server = createServer((request, response) => {
      let raw = '';
      request.setEncoding('utf8');
      request.on('data', (chunk: string) => (raw += chunk));
      request.on('end', () => void this.#answer(request, response, raw));
    });
  }

  async #answer(request: IncomingMessage, response: ServerResponse, raw: string): Promise<void> {
    if (this.#held) {
      this.#waiting += 1;
      await this.#held;
      this.#waiting -= 1;
    }
    const body = JSON.parse(raw || '{}') as Record<string, unknown>;
    const key = String(request.headers['idempotency-key']);
    const earlier = this.calls.filter((c) => c.headers['idempotency-key'] === key).length;
    const status = earlier < this.#behaviour.failFirst ? this.#behaviour.failStatus : 202;
    this.calls.push({ body, headers: request.headers, status });
    response.writeHead(status, { 'content-type': 'application/json' });
    response.end(
      status < 300
        ? JSON.stringify({ messageId: `provider-${key}` })
        : JSON.stringify({ error: 'provider unavailable' }),
    );
  }

  static async start(behaviour: { failFirst?: number; failStatus?: number } = {}): Promise<WebhookReceiver> {
    const receiver = new WebhookReceiver({
      failFirst: behaviour.failFirst ?? 0,
      failStatus: behaviour.failStatus ?? 503,
    });
    await new Promise<void>((resolve) => receiver.#server.listen(0, '127.0.0.1', () => resolve()));
    receiver.#port = (receiver.#server.address() as AddressInfo).port;
    return receiver;
  }

  /** Makes requests wait unanswered until the returned function is called. */
  hold(): () => void {
    let release!: () => void;
    this.#held = new Promise<void>((resolve) => (release = resolve));
    return () => {
      this.#held = undefined;
      release();
    };
  }

  /** Requests waiting while held. */
  get waiting(): number {
    return this.#waiting;
  }

  get url(): string {
    return `http://127.0.0.1:${this.#port}/messages`;
  }

  /** Calls made for one notification (idempotency key `<id>:<channel>`). */
  callsFor(notificationId: string): ReceivedCall[] {
    return this.calls.filter((c) => String(c.headers['idempotency-key']).startsWith(`${notificationId}:`));
  }

  close(): Promise<void> {
    return new Promise((resolve) => this.#server.close(() => resolve()));
  }
}
