import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { Logger } from '../../shared/logger';
import { createSandboxApp, FHIR_BASE_PATH } from './sandbox-app';
import type { SandboxRepository } from './sandbox-repository';

export interface StartSandboxOptions {
  /** TCP port; 0 (the default) picks a free one. */
  port?: number;
  /** Interface to bind; default 127.0.0.1 (the sandbox has no authentication). */
  host?: string;
  logger?: Logger;
}

export interface RunningSandbox {
  /** FHIR base URL, e.g. `http://127.0.0.1:8090/fhir`. */
  baseUrl: string;
  port: number;
  repo: SandboxRepository;
  /** Stops listening and drops open connections. */
  close(): Promise<void>;
}

/** Starts the sandbox FHIR server and resolves once it is listening. */
export async function startSandbox(options: StartSandboxOptions = {}): Promise<RunningSandbox> {
  const host = options.host ?? '127.0.0.1';
  const { app, repo } = await createSandboxApp({ logger: options.logger });
  const server = createServer(app);
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(options.port ?? 0, host, () => {
      server.off('error', reject);
      resolve();
    });
  });
  const { port } = server.address() as AddressInfo;
  return {
    baseUrl: `http://${displayHost(host)}:${port}${FHIR_BASE_PATH}`,
    port,
    repo,
    close: () =>
      new Promise<void>((resolve, reject) => {
        server.close((err) => (err ? reject(err) : resolve()));
        // Keep-alive connections from clients would otherwise hold close() open.
        server.closeAllConnections();
      }),
  };
}

/** A wildcard bind address is not something a client can connect to. */
function displayHost(host: string): string {
  if (host === '0.0.0.0' || host === '::') {
    return 'localhost';
  }
  return host.includes(':') ? `[${host}]` : host;
}
