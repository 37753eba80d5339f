import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { once } from 'node:events';
import { connect, createServer, type AddressInfo, type Server, type Socket } from 'node:net';
import { eventually } from '../src/eventually.ts';
import { startTcpProxy, type TcpProxy } from '../src/tcp-proxy.ts';

/** Sends `text` through a new connection to `port` and resolves to the echo. */
async function echo(port: number, text: string): Promise<string> {
  const socket = connect(port, '127.0.0.1');
  await once(socket, 'connect');
  socket.write(text);
  const [data] = (await once(socket, 'data')) as [Buffer];
  socket.destroy();
  return data.toString();
}

describe('startTcpProxy', () => {
  let server: Server;
  let proxy: TcpProxy;
  before(async () => {
    server = createServer((socket) => socket.pipe(socket));
    server.listen(0, '127.0.0.1');
    await once(server, 'listening');
    proxy = await startTcpProxy({ target: `127.0.0.1:${(server.address() as AddressInfo).port}` });
  });
  after(async () => {
    await proxy.close();
    await new Promise((resolve) => server.close(resolve));
  });

  it('forwards both ways and rewrites a URL to itself', async () => {
    assert.equal(await echo(proxy.port, 'hello'), 'hello');
    assert.equal(
      proxy.url('mongodb://10.0.0.1:27017/shop?x=1'),
      `mongodb://127.0.0.1:${proxy.port}/shop?x=1`,
    );
  });

  it('cut destroys the open connections and refuses new ones; restore listens again on the same port', async () => {
    const open: Socket = connect(proxy.port, '127.0.0.1');
    await once(open, 'connect');
    open.write('x');
    await once(open, 'data');
    assert.equal(proxy.connections, 1);
    const closed = once(open, 'close');
    const port = proxy.port;

    await proxy.cut();
    await closed;
    assert.equal(proxy.isCut, true);
    const refused = connect(port, '127.0.0.1');
    const [error] = (await once(refused, 'error')) as [NodeJS.ErrnoException];
    assert.equal(error.code, 'ECONNREFUSED');

    await proxy.restore();
    assert.equal(proxy.isCut, false);
    assert.equal(proxy.port, port);
    assert.equal(await echo(port, 'again'), 'again');
  });

  it('hold forwards nothing either way on open or new connections, and release sends what was held', async () => {
    const open: Socket = connect(proxy.port, '127.0.0.1');
    await once(open, 'connect');
    open.write('before');
    assert.equal(((await once(open, 'data')) as [Buffer])[0].toString(), 'before');
    const received: string[] = [];
    open.on('data', (data: Buffer) => received.push(data.toString()));

    proxy.hold();
    assert.equal(proxy.isHeld, true);
    open.write('held');
    const late = connect(proxy.port, '127.0.0.1');
    await once(late, 'connect');
    const lateReceived: string[] = [];
    late.on('data', (data: Buffer) => lateReceived.push(data.toString()));
    late.write('late');
    await new Promise((resolve) => setTimeout(resolve, 300));
    assert.deepEqual([received, lateReceived], [[], []]);
    assert.equal(proxy.connections, 2, 'held connections stay open');

    proxy.release();
    assert.equal(proxy.isHeld, false);
    await eventually(() => received.join('') === 'held' && lateReceived.join('') === 'late', {
      timeoutMs: 5000,
      message: 'the held bytes to be forwarded on release',
    });
    open.destroy();
    late.destroy();
  });
});
