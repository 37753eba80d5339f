import { createServer, connect, type Server, type Socket } from 'node:net';
import { once } from 'node:events';

/** Where a `TcpProxy` forwards to, and where it listens. */
export interface TcpProxyOptions {
  /** The real server: `host:port`, or a URL whose host and port are taken (`mongodb://127.0.0.1:27017`). */
  target: string;
  /** Interface to listen on (default 127.0.0.1). */
  host?: string;
  /** Port to listen on (default: any free port, kept across `cut`/`restore`). */
  port?: number;
}

/**
 * A TCP proxy in front of a real server, for tests that need that server to go away and come back
 * without stopping it (it may be shared), or to stop answering for a while: give the code under test
 * `url(...)` instead of the server's address, then `cut()` and `restore()`, or `hold()` and `release()`.
 */
export interface TcpProxy {
  readonly host: string;
  readonly port: number;
  /** True between `cut()` and `restore()`. */
  readonly isCut: boolean;
  /** True between `hold()` and `release()`. */
  readonly isHeld: boolean;
  /** Client connections open through the proxy now. */
  readonly connections: number;
  /** `url` (the target's, by default) with its host and port replaced by the proxy's. */
  url(url?: string): string;
  /**
   * The server "stops": the proxy stops accepting (new connections are refused) and destroys every
   * connection open through it, both ends. Resolves once the listener is closed.
   */
  cut(): Promise<void>;
  /** The server is back: listens again on the same port. */
  restore(): Promise<void>;
  /**
   * The line goes quiet, connections stay open: nothing more is forwarded either way (new connections
   * are accepted, and held too) until `release()`. What was forwarded before reached the other end: a
   * request the server got is carried out, its answer held back from the client.
   */
  hold(): void;
  /** Forwards again, held bytes first. */
  release(): void;
  /** Cuts, for good. */
  close(): Promise<void>;
}

/** Starts a `TcpProxy` to `options.target`; resolves once it listens. */
export async function startTcpProxy(options: TcpProxyOptions): Promise<TcpProxy> {
  const target = parseTarget(options.target);
  const host = options.host ?? '127.0.0.1';
  const sockets = new Set<Socket>();
  const track = (socket: Socket) => {
    sockets.add(socket);
    socket.once('close', () => sockets.delete(socket));
  };
  let clients = 0;
  let server: Server | undefined;
  let port = options.port ?? 0;
  /** Each open connection's two ends, to stop and restart forwarding between them. */
  const pairs = new Set<[Socket, Socket]>();
  let held = false;
  const forward = ([client, upstream]: [Socket, Socket]) => {
    client.pipe(upstream);
    upstream.pipe(client);
  };
  const stop = ([client, upstream]: [Socket, Socket]) => {
    client.unpipe(upstream);
    upstream.unpipe(client);
    client.pause();
    upstream.pause();
  };

  const listen = async () => {
    const listening = createServer((client) => {
      clients += 1;
      client.once('close', () => (clients -= 1));
      const upstream = connect(target.port, target.host);
      track(client);
      track(upstream);
      // an error on either end ends both (the other end sees a reset or a close, as from a dead server)
      const end = () => {
        client.destroy();
        upstream.destroy();
      };
      client.on('error', end).on('close', end);
      upstream.on('error', end).on('close', end);
      const pair: [Socket, Socket] = [client, upstream];
      pairs.add(pair);
      client.once('close', () => pairs.delete(pair));
      if (held) stop(pair);
      else forward(pair);
    });
    listening.listen(port, host);
    await once(listening, 'listening');
    const address = listening.address();
    if (address && typeof address === 'object') port = address.port;
    server = listening;
  };

  const cut = async () => {
    const closing = server;
    server = undefined;
    if (closing) {
      const closed = new Promise<void>((resolve) => closing.close(() => resolve()));
      for (const socket of sockets) socket.destroy();
      await closed;
    }
  };

  await listen();
  return {
    host,
    get port() {
      return port;
    },
    get isCut() {
      return server === undefined;
    },
    get isHeld() {
      return held;
    },
    get connections() {
      return clients;
    },
    url(url = options.target) {
      const parsed = new URL(url.includes('://') ? url : `tcp://${url}`);
      parsed.hostname = host;
      parsed.port = String(port);
      return parsed.toString();
    },
    cut,
    async restore() {
      if (!server) await listen();
    },
    hold() {
      if (held) return;
      held = true;
      for (const pair of pairs) stop(pair);
    },
    release() {
      if (!held) return;
      held = false;
      for (const pair of pairs) forward(pair);
    },
    close: cut,
  };
}

function parseTarget(target: string): { host: string; port: number } {
  const url = new URL(target.includes('://') ? target : `tcp://${target}`);
  const port = Number(url.port);
  if (!url.hostname || !Number.isInteger(port) || port <= 0) {
    throw new Error(`TcpProxy: the target needs a host and a port: ${target}`);
  }
  return { host: url.hostname.replace(/^\[|\]$/g, ''), port };
}
