import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { Logger } from '../../shared/logger';
import { createSandboxApp, FHIR_BASE_PATH } from './sandbox-app';
import type { SandboxRepository } from './sandbox-repository';
import type { SandboxProfileName } from './profiles';
import { TOKEN_PATH } from './smart';
import type { SmartAuthority, SmartOptions } from './smart';

export interface StartSandboxOptions {
  /** TCP port; 0 (the default) picks a free one. */
  port?: number;
  /** Interface to bind; default 127.0.0.1 (without `smart` the sandbox has no authentication). */
  host?: string;
  logger?: Logger;
  /**
   * Whose write rules to follow: `generic` (default: strict R4 with transactions and
   * conditional create), `epic` or `oracle` (that vendor's refusals, answers and searches;
   * see src/tools/sandbox/profiles/).
   */
  profile?: SandboxProfileName;
  /**
   * SMART Backend Services: `clients` (`{ clientId, jwks, scopes? }`) may get tokens at
   * `<server>/oauth2/token` by a signed JWT assertion; every FHIR request but `metadata` and
   * `.well-known/smart-configuration` then needs a valid bearer token. `tokenLifetimeSeconds`
   * (default 3600) and `now` (a clock in ms) let tests expire tokens without waiting.
   */
  smart?: SmartOptions;
}

export interface RunningSandbox {
  /** FHIR base URL, e.g. `http://127.0.0.1:8090/fhir`. */
  baseUrl: string;
  port: number;
  repo: SandboxRepository;
  profile: SandboxProfileName;
  /** The token endpoint URL, when `smart` is on. */
  tokenUrl?: string;
  /** Token endpoint state when `smart` is on: `counters` (token requests, refusals, 401s), `revokeTokens()`. */
  smart?: SmartAuthority;
  /** Stops listening and drops open connections. */
  close(): Promise<void>;
}

/**
 * Starts the sandbox FHIR server and resolves once it is listening. This is the API the
 * integration tests use against the vendor emulators, e.g.
 * `startSandbox({ profile: 'epic', smart: { clients: [{ clientId, jwks }], tokenLifetimeSeconds: 60 } })`.
 */
export async function startSandbox(options: StartSandboxOptions = {}): Promise<RunningSandbox> {
  const host = options.host ?? '127.0.0.1';
  const { app, repo, profile, smart } = await createSandboxApp({
    logger: options.logger,
    profile: options.profile,
    smart: options.smart,
  });
  const server = createServer(app);
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(options.port ?? 0, host, () => {
      server.off('error', reject);
      resolve();
    });
  });
  const { port } = server.address() as AddressInfo;
  const origin = `http://${displayHost(host)}:${port}`;
  return {
    baseUrl: `${origin}${FHIR_BASE_PATH}`,
    port,
    repo,
    profile,
    tokenUrl: smart ? `${origin}${TOKEN_PATH}` : undefined,
    smart,
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
