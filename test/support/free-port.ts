import net from 'node:net';

/**
 * A free TCP port on 127.0.0.1 (listen on 0, read it, close), for a process that must be
 * told its port up front. Another process could take it in between; on a test machine
 * that is rare enough.
 */
export async function freePort(): Promise<number> {
  const server = net.createServer();
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => resolve());
  });
  const { port } = server.address() as net.AddressInfo;
  await new Promise<void>((resolve) => server.close(() => resolve()));
  return port;
}
