import type { Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { ServeConfig } from './config/serve-config';
import type { Logger } from './shared/logger';
import { openStore } from './store/open-store';
import type { DeliveryStore } from './store/types';
import { loadMapping } from './mapping/check/loader';
import { resolveMappingFile } from './config/mapping-path';
import type { MappingFile } from './mapping/types';
import { createPulsaraClient } from './pulsara/pulsara-client';
import { createFhirClient } from './ehr/fhir-client';
import { createEhrAuth } from './ehr/auth';
import { createEhrTransport } from './ehr/transport';
import { createDeliveryWriter } from './ehr/writer';
import { processDelivery } from './delivery/process-delivery';
import { WorkerPool } from './delivery/worker-pool';
import { createMetrics } from './server/metrics';
import { createBridgeApp } from './server/app';

export interface RunningBridge {
  port: number;
  url: string;
  store: DeliveryStore;
  mapping: MappingFile;
  workers: WorkerPool;
  /** Stops intake, lets deliveries in flight finish, closes the store. */
  close(): Promise<void>;
}

/**
 * The composition root of `serve` (and of the demo): load the mapping (refusing to start on
 * any problem), open the store, start the workers and the HTTP server.
 */
export async function startBridge(
  config: ServeConfig,
  logger: Logger,
  options: { host?: string } = {},
): Promise<RunningBridge> {
  const mapping = loadMapping(resolveMappingFile(config.mappingFile));
  const store = await openStore(config.storeUrl, { logger });
  try {
    await store.init();
  } catch (err) {
    await store.close().catch(() => undefined);
    throw err;
  }

  const pulsara = createPulsaraClient({
    baseUrl: config.pulsara.baseUrl,
    token: config.pulsara.token,
    tokenHeader: config.pulsara.tokenHeader,
    timeoutMs: config.pulsara.timeoutMs,
    maxSummaryBytes: config.pulsara.summaryMaxBytes,
    logger,
  });
  const transport = createEhrTransport(config.fhir.tls);
  const fhir = createFhirClient({
    baseUrl: config.fhir.baseUrl,
    auth: createEhrAuth(config.fhir.auth, transport),
    timeoutMs: config.fhir.timeoutMs,
    logger,
    transport,
  });
  const writer = createDeliveryWriter({ client: fhir, dialect: config.fhir.dialect, logger });
  const metrics = createMetrics(store);

  const workers = new WorkerPool({
    store,
    process: (delivery) => processDelivery(delivery, { pulsara, mapping, fhir, writer, logger }),
    concurrency: config.workerConcurrency,
    leaseMs: config.leaseSeconds * 1000,
    pollIntervalMs: config.pollIntervalMs,
    retry: config.retry,
    logger,
    metrics,
  });

  const app = createBridgeApp({
    store,
    logger,
    metrics,
    signature: config.webhook,
    triggers: mapping.triggers,
    fhirCheck: () => fhir.capabilities(),
    adminToken: config.adminToken,
    onStored: () => workers.notify(),
    status: () => ({ mapping: { name: mapping.name, version: mapping.version }, workerId: workers.workerId }),
  });

  const server: Server = await new Promise((resolve, reject) => {
    const s = app.listen(config.port, options.host ?? '0.0.0.0', () => resolve(s));
    s.once('error', reject);
  });
  const port = (server.address() as AddressInfo).port;
  workers.start();
  logger.info('bridge started', {
    port,
    store: store.kind,
    mapping: mapping.name,
    mappingVersion: mapping.version,
    dialect: config.fhir.dialect,
    concurrency: config.workerConcurrency,
  });

  let closing: Promise<void> | undefined;
  return {
    port,
    url: `http://127.0.0.1:${port}`,
    store,
    mapping,
    workers,
    close: () => {
      closing ??= (async () => {
        await new Promise<void>((resolve) => server.close(() => resolve()));
        await workers.stop();
        await store.close();
        logger.info('bridge stopped');
      })();
      return closing;
    },
  };
}
