import express from 'express';
import type { Express, Request, Response, NextFunction } from 'express';
import type { DeliveryStore } from '../store/types';
import type { Logger } from '../shared/logger';
import { outcome } from '../shared/operation-outcome';
import { toBridgeError } from '../shared/errors';
import type { SignatureSettings } from '../intake/signature';
import type { TriggerSettings } from '../intake/webhook-event';
import { createWebhookRouter } from '../intake/webhook-route';
import { createAdminRouter } from './admin-routes';
import type { BridgeMetrics } from './metrics';
import { createReadinessCheck } from './readiness';

export interface BridgeAppOptions {
  store: DeliveryStore;
  logger: Logger;
  metrics: BridgeMetrics;
  signature: SignatureSettings;
  triggers: TriggerSettings;
  /** Answers when the EHR's FHIR endpoint is up (GET metadata). */
  fhirCheck: () => Promise<unknown>;
  adminToken?: string;
  onStored?: () => void;
  status?: () => Record<string, unknown>;
}

/** The bridge's HTTP surface (docs/interface.md): intake, health, readiness, metrics, admin. */
export function createBridgeApp(options: BridgeAppOptions): Express {
  const { store, logger, metrics } = options;
  const app = express();
  app.disable('x-powered-by');

  app.use(
    createWebhookRouter({
      store,
      signature: options.signature,
      triggers: options.triggers,
      logger,
      metrics,
      onStored: options.onStored,
    }),
  );

  app.get('/healthz', (_req, res) => {
    res.json({ status: 'ok' });
  });

  const ready = createReadinessCheck({ store, fhirCheck: options.fhirCheck });
  app.get('/readyz', async (_req, res) => {
    const result = await ready();
    res.status(result.ready ? 200 : 503).json(result);
  });

  app.get('/metrics', async (_req, res) => {
    res.set('Content-Type', metrics.registry.contentType).send(await metrics.registry.metrics());
  });

  if (options.adminToken) {
    app.use(
      '/admin',
      express.json({ limit: '100kb' }),
      createAdminRouter({
        store,
        adminToken: options.adminToken,
        logger,
        onRequeued: options.onStored,
        status: options.status,
      }),
    );
  } else {
    app.use('/admin', (_req, res) => {
      res.status(404).json(outcome('not-found', 'the admin API is off; set ADMIN_TOKEN to turn it on'));
    });
  }

  app.use((_req, res) => {
    res.status(404).json(outcome('not-found', 'no such route'));
  });

  // Last resort: a typed error becomes an OperationOutcome; the store being down is a 503.
  app.use((err: unknown, _req: Request, res: Response, _next: NextFunction) => {
    const error = toBridgeError(err);
    const status = error.code === 'store-unavailable' ? 503 : 500;
    logger.error('request failed', { code: error.code, status });
    res
      .status(status)
      .json(
        outcome(
          status === 503 ? 'transient' : 'exception',
          error.code === 'store-unavailable' ? 'the delivery store is unavailable' : 'internal error',
        ),
      );
  });
  return app;
}
