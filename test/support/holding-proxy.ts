import http from 'node:http';
import type { IncomingMessage, ServerResponse } from 'node:http';
import net from 'node:net';
import type { AddressInfo, Socket } from 'node:net';

/** The EHR's answer to the transaction that the proxy keeps from the bridge. */
export interface HeldResponse {
  status: number;
  /** The response body as the EHR sent it (a transaction-response Bundle). */
  body: string;
  /** The request body the bridge sent (the transaction Bundle). */
  requestBody: string;
}

export interface HoldingProxy {
  /** The FHIR base to give the bridge: this proxy plus the target's base path. */
  baseUrl: string;
  /**
   * Resolves once the first transaction has been committed by the EHR and its answer is
   * held back: from then on the bridge waits for a response that never comes.
   */
  held: Promise<HeldResponse>;
  /** Transactions forwarded so far (the held one included). */
  transactionCount(): number;
  /** Stops listening and drops every open connection, the held one too. */
  close(): Promise<void>;
}

function readBody(stream: IncomingMessage): Promise<Buffer> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    stream.on('data', (chunk: Buffer) => chunks.push(chunk));
    stream.once('end', () => resolve(Buffer.concat(chunks)));
    stream.once('error', reject);
  });
}

function isTransaction(body: Buffer): boolean {
  try {
    const parsed = JSON.parse(body.toString('utf8')) as { resourceType?: unknown; type?: unknown };
    return parsed.resourceType === 'Bundle' && parsed.type === 'transaction';
  } catch {
    return false;
  }
}

/**
 * An HTTP proxy between the bridge and a FHIR server that makes the worst moment of a
 * crash reproducible: the first transaction Bundle POSTed to the base is forwarded and
 * fully answered by the server (so the write IS committed in the EHR), but the answer is
 * never passed on. The test kills the bridge while it waits, which is exactly "after the
 * FHIR write, before the ledger update". Every other request passes through unchanged.
 */
export async function startHoldingProxy(targetBaseUrl: string): Promise<HoldingProxy> {
  const target = new URL(targetBaseUrl);
  const basePath = target.pathname.replace(/\/+$/, '');
  const sockets = new Set<Socket>();
  let transactions = 0;
  let resolveHeld: (held: HeldResponse) => void = () => undefined;
  let rejectHeld: (err: Error) => void = () => undefined;
  const held = new Promise<HeldResponse>((resolve, reject) => {
    resolveHeld = resolve;
    rejectHeld = reject;
  });
  // A test that never reaches the hold must not leave an unhandled rejection behind.
  held.catch(() => undefined);

  const forward = (
    req: IncomingMessage,
    body: Buffer,
  ): Promise<{ status: number; headers: http.IncomingHttpHeaders; body: Buffer }> =>
    new Promise((resolve, reject) => {
      const headers = { ...req.headers, host: target.host, 'content-length': String(body.length) };
      delete headers.connection;
      const upstream = http.request(
        { hostname: target.hostname, port: target.port, method: req.method, path: req.url, headers },
        (res) => {
          readBody(res).then(
            (data) => resolve({ status: res.statusCode ?? 502, headers: res.headers, body: data }),
            reject,
          );
        },
      );
      upstream.once('error', reject);
      upstream.end(body);
    });

  const handle = async (req: IncomingMessage, res: ServerResponse): Promise<void> => {
    const body = await readBody(req);
    const path = (req.url ?? '').split('?')[0].replace(/\/+$/, '');
    const transaction = req.method === 'POST' && path === basePath && isTransaction(body);
    const answer = await forward(req, body);
    if (transaction) {
      transactions += 1;
      if (transactions === 1) {
        // Committed upstream; keep the bridge waiting until the test kills it.
        resolveHeld({ status: answer.status, body: answer.body.toString('utf8'), requestBody: body.toString('utf8') });
        return;
      }
    }
    const headers = { ...answer.headers, 'content-length': String(answer.body.length) };
    delete headers['transfer-encoding'];
    delete headers.connection;
    res.writeHead(answer.status, headers);
    res.end(answer.body);
  };

  const server = http.createServer((req, res) => {
    handle(req, res).catch((err: unknown) => {
      if (!res.headersSent) {
        res.writeHead(502, { 'content-type': 'text/plain' });
      }
      res.end(`holding proxy: ${err instanceof Error ? err.message : String(err)}`);
    });
  });
  server.on('connection', (socket: Socket) => {
    sockets.add(socket);
    socket.once('close', () => sockets.delete(socket));
  });
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => resolve());
  });
  const { port } = server.address() as AddressInfo;

  return {
    baseUrl: `http://127.0.0.1:${port}${basePath}`,
    held,
    transactionCount: () => transactions,
    close: () =>
      new Promise<void>((resolve) => {
        rejectHeld(new Error('holding proxy closed before any transaction was held'));
        for (const socket of sockets) {
          socket.destroy();
        }
        server.close(() => resolve());
      }),
  };
}

export interface CuttableTcpProxy {
  /** The port the proxy listens on; it stays the same across cut() and restore(). */
  port: number;
  /** The outage: stops listening and destroys every open connection, both ways. */
  cut(): Promise<void>;
  /** The end of the outage: listens again on the same port. */
  restore(): Promise<void>;
  close(): Promise<void>;
}

/**
 * A TCP proxy to a database that a test can cut like a network outage, without stopping
 * the database itself (other tests share it).
 */
export async function startCuttableTcpProxy(targetHost: string, targetPort: number): Promise<CuttableTcpProxy> {
  const sockets = new Set<Socket>();
  const track = (socket: Socket): void => {
    sockets.add(socket);
    socket.once('close', () => sockets.delete(socket));
  };
  const server = net.createServer((client) => {
    const upstream = net.connect(targetPort, targetHost);
    track(client);
    track(upstream);
    // Either side failing ends both, as a dropped connection would.
    client.once('error', () => upstream.destroy());
    upstream.once('error', () => client.destroy());
    client.pipe(upstream);
    upstream.pipe(client);
  });
  const listen = (port: number): Promise<void> =>
    new Promise((resolve, reject) => {
      server.once('error', reject);
      server.listen(port, '127.0.0.1', () => {
        server.off('error', reject);
        resolve();
      });
    });
  await listen(0);
  const { port } = server.address() as AddressInfo;
  const cut = (): Promise<void> =>
    new Promise((resolve) => {
      if (!server.listening) {
        resolve();
        return;
      }
      server.close(() => resolve());
      for (const socket of sockets) {
        socket.destroy();
      }
    });
  return {
    port,
    cut,
    restore: () => (server.listening ? Promise.resolve() : listen(port)),
    close: cut,
  };
}
