import express from 'express';
import type { Request, Response, NextFunction, Router } from 'express';
import type { Logger } from '../shared/logger';
import { isBridgeError } from '../shared/errors';
import { outcome } from '../shared/operation-outcome';
import type { DeliveryStore } from '../store/types';
import type { SignatureSettings } from './signature';
import { verifySignature } from './signature';
import type { TriggerSettings } from './webhook-event';
import { checkWebhookEvent } from './webhook-event';
import type { IntakeMetrics } from './intake-metrics';

export const WEBHOOK_PATH = '/webhooks/pulsara';
export const WEBHOOK_BODY_LIMIT = '1mb';

export interface WebhookRouteOptions {
  store: DeliveryStore;
  signature: SignatureSettings;
  triggers: TriggerSettings;
  logger: Logger;
  metrics?: IntakeMetrics;
  /** Called after an event is stored, to wake the workers. */
  onStored?: () => void;
}

/**
 * `POST /webhooks/pulsara`: signature first (401 before anything is parsed or stored), then
 * shape (400), then a durable record; 202 only once the store has committed it.
 */
export function createWebhookRouter(options: WebhookRouteOptions): Router {
  const { store, signature, triggers, logger, metrics } = options;
  const router = express.Router();
  const count = (result: string): void => metrics?.webhooks.inc({ result });

  router.post(
    WEBHOOK_PATH,
    express.raw({ type: () => true, limit: WEBHOOK_BODY_LIMIT }),
    async (req: Request, res: Response) => {
      const raw = Buffer.isBuffer(req.body) ? req.body : Buffer.alloc(0);
      const verdict = verifySignature(raw, req.get('Pulsara-Signature'), signature);
      if (!verdict.ok) {
        count('unauthorized');
        logger.warn('webhook rejected', { reason: `signature ${verdict.reason}`, status: 401 });
        res.status(401).json(outcome('security', `Pulsara-Signature ${verdict.reason}`));
        return;
      }

      let parsed: unknown;
      try {
        parsed = JSON.parse(raw.toString('utf8'));
      } catch {
        count('invalid');
        res.status(400).json(outcome('invalid', 'the body is not JSON'));
        return;
      }
      const check = checkWebhookEvent(parsed, triggers);
      if (!check.ok) {
        count('invalid');
        logger.warn('webhook rejected', { reason: check.problem, status: 400 });
        res.status(400).json(outcome('invalid', `not a Pulsara event: ${check.problem}`));
        return;
      }

      try {
        const result = await store.recordEvent({
          eventId: check.event.id,
          eventType: check.event.type,
          channelId: check.channelId,
          payload: raw.toString('utf8'),
          ignoredReason: check.ignoredReason,
          receivedAt: new Date(),
        });
        count(result.duplicate ? 'duplicate' : result.status === 'ignored' ? 'ignored' : 'accepted');
        logger.info('webhook stored', {
          eventId: check.event.id,
          eventType: check.event.type,
          channelId: check.channelId,
          deliveryId: result.deliveryId,
          duplicate: result.duplicate,
          status: result.status,
        });
        res.status(202).json({ deliveryId: result.deliveryId, status: result.status, duplicate: result.duplicate });
        if (!result.duplicate && result.status === 'pending') {
          options.onStored?.();
        }
      } catch (err) {
        count('store-unavailable');
        const code = isBridgeError(err) ? err.code : 'internal';
        logger.error('webhook not stored', {
          eventId: check.event.id,
          code,
          error: err instanceof Error ? err.message : String(err),
        });
        res
          .status(503)
          .set('Retry-After', '5')
          .json(outcome('transient', 'the delivery store is unavailable; retry later'));
      }
    },
  );

  // Body parser errors (too large, bad encoding) of this route, answered as OperationOutcomes.
  router.use(WEBHOOK_PATH, (err: unknown, _req: Request, res: Response, next: NextFunction) => {
    const status = (err as { status?: number; type?: string }).status;
    if (status === 413) {
      count('too-large');
      res.status(413).json(outcome('too-costly', `the body is larger than ${WEBHOOK_BODY_LIMIT}`));
      return;
    }
    if (status !== undefined && status >= 400 && status < 500) {
      count('invalid');
      res.status(400).json(outcome('invalid', 'the body could not be read'));
      return;
    }
    next(err);
  });
  return router;
}
