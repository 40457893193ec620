import express from 'express';
import type { Request, Response, NextFunction, Router } from 'express';
import { timingSafeEqual, createHash } from 'node:crypto';
import type { DeliveryStore, DeliveryStatus } from '../store/types';
import { parseStatusFilter } from '../store/status-filter';
import { outcome } from '../shared/operation-outcome';
import type { Logger } from '../shared/logger';
import { presentDelivery } from '../store/delivery-view';

export interface AdminRouteOptions {
  store: DeliveryStore;
  adminToken: string;
  logger: Logger;
  /** Wakes the workers after a requeue. */
  onRequeued?: () => void;
  /** Extra facts shown by GET /admin/status (mapping name and version, store kind). */
  status?: () => Record<string, unknown>;
}

function sameSecret(a: string, b: string): boolean {
  // Hash first so that lengths never differ and timing says nothing.
  return timingSafeEqual(createHash('sha256').update(a).digest(), createHash('sha256').update(b).digest());
}

/**
 * `/admin/*`: the delivery ledger, dead letters, retry and replay. Off unless ADMIN_TOKEN
 * is set; every request must carry `Authorization: Bearer <ADMIN_TOKEN>`.
 */
export function createAdminRouter(options: AdminRouteOptions): Router {
  const { store, adminToken, logger } = options;
  const router = express.Router();

  router.use((req: Request, res: Response, next: NextFunction) => {
    const header = req.get('authorization') ?? '';
    const token = header.startsWith('Bearer ') ? header.slice(7) : '';
    if (!token || !sameSecret(token, adminToken)) {
      res
        .status(401)
        .set('WWW-Authenticate', 'Bearer')
        .json(outcome('security', 'admin API: missing or wrong bearer token'));
      return;
    }
    next();
  });

  router.get('/status', async (_req, res) => {
    res.json({ counts: await store.countByStatus(), store: store.kind, ...(options.status?.() ?? {}) });
  });

  router.get('/deliveries', async (req, res) => {
    const raw = req.query.status;
    let status: DeliveryStatus[] | undefined;
    try {
      status = parseStatusFilter(typeof raw === 'string' ? [raw] : Array.isArray(raw) ? raw.map(String) : []);
    } catch (err) {
      res.status(400).json(outcome('invalid', (err as Error).message));
      return;
    }
    const limit = Math.min(Math.max(Number(req.query.limit ?? 100) || 100, 1), 1000);
    const channelId = typeof req.query.channel === 'string' && req.query.channel !== '' ? req.query.channel : undefined;
    const deliveries = await store.list({ status, channelId, limit });
    res.json({ count: deliveries.length, deliveries: deliveries.map(presentDelivery) });
  });

  router.get('/deliveries/:id', async (req, res) => {
    const delivery = await store.get(req.params.id);
    if (!delivery) {
      res.status(404).json(outcome('not-found', `no delivery ${req.params.id}`));
      return;
    }
    res.json(presentDelivery(delivery));
  });

  router.post('/deliveries/:id/retry', async (req, res) => {
    const delivery = await store.requeue(req.params.id);
    if (!delivery) {
      res.status(404).json(outcome('not-found', `no delivery ${req.params.id}`));
      return;
    }
    logger.info('delivery requeued by operator', { deliveryId: delivery.id, channelId: delivery.channelId });
    options.onRequeued?.();
    res.status(202).json(presentDelivery(delivery));
  });

  router.post('/channels/:channelId/replay', async (req, res) => {
    const delivery = await store.requeueChannel(req.params.channelId);
    if (!delivery) {
      res.status(404).json(outcome('not-found', `no delivery for channel ${req.params.channelId}`));
      return;
    }
    logger.info('channel replay requested by operator', { deliveryId: delivery.id, channelId: delivery.channelId });
    options.onRequeued?.();
    res.status(202).json(presentDelivery(delivery));
  });

  return router;
}
