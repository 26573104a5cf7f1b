/** A loopback TCP proxy in front of Azurite that the chaos runs switch off (every connection cut, new ones refused). */
import { createServer, connect, type Server, type Socket } from 'node:net';

export interface StorageProxy {
  port: number;
  setOnline(on: boolean): void;
  stop(): Promise<void>;
}

export async function startStorageProxy(targetPort: number): Promise<StorageProxy> {
  let online = true;
  const sockets = new Set<Socket>();
  const server: Server = createServer((client) => {
    if (!online) return void client.destroy();
    const upstream = connect(targetPort, '127.0.0.1');
    for (const s of [client, upstream]) {
      sockets.add(s);
      s.on('close', () => sockets.delete(s));
      s.on('error', () => undefined);
    }
    client.pipe(upstream).pipe(client);
    client.on('close', () => upstream.destroy());
    upstream.on('close', () => client.destroy());
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  const address = server.address();
  return {
    port: typeof address === 'object' && address ? address.port : 0,
    setOnline(on) {
      online = on;
      if (!on) for (const s of sockets) s.destroy();
    },
    stop: () =>
      new Promise<void>((r) => {
        for (const s of sockets) s.destroy();
        server.close(() => r());
      }),
  };
}
