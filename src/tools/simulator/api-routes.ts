/**
 * The simulated Pulsara API (docs/pulsara-api.md):
 *   GET /api/v1/patient-channels/:id          -> 200 channel JSON | 404
 *   GET /api/v1/patient-channels/:id/summary  -> 200 application/pdf | 404 | 406 without
 *                                                `Accept: application/pdf`
 * Every route answers 401 without the right token, and obeys the faults queued through
 * the admin API (see admin-routes.ts). Each request is logged in SimulatorState.requests.
 */
import { timingSafeEqual } from 'node:crypto';
import { Readable, pipeline } from 'node:stream';
import { Router } from 'express';
import type { NextFunction, Request, Response } from 'express';
import type { Logger } from '../../shared/logger';
import type { FaultPath, SimulatorState, SummaryOverride } from './simulator-state';
import { renderSummaryReport } from './summary-report';

export interface ApiRouteOptions {
  state: SimulatorState;
  token: string;
  /** Header carrying the token; `authorization` means `Bearer <token>`. */
  tokenHeader: string;
  logger: Logger;
}

function sameSecret(received: string, expected: string): boolean {
  const a = Buffer.from(received, 'utf8');
  const b = Buffer.from(expected, 'utf8');
  return a.length === b.length && timingSafeEqual(a, b);
}

/** True when the Accept header lists application/pdf with a non-zero q. `*\/*` alone does not count. */
export function acceptsPdf(accept: string | undefined): boolean {
  if (!accept) {
    return false;
  }
  return accept.split(',').some((range) => {
    const [type, ...params] = range.split(';').map((part) => part.trim().toLowerCase());
    const q = params.find((param) => param.startsWith('q='));
    return type === 'application/pdf' && (q === undefined || Number(q.slice(2)) > 0);
  });
}

function problem(res: Response, status: number, error: string, message: string): void {
  res.status(status).json({ error, message });
}

/** Waits `ms`, or less if the client goes away; resolves false when it went away. */
function delay(res: Response, ms: number): Promise<boolean> {
  return new Promise((resolve) => {
    const timer = setTimeout(() => {
      res.off('close', onClose);
      resolve(!res.destroyed);
    }, ms);
    const onClose = (): void => {
      clearTimeout(timer);
      resolve(false);
    };
    res.once('close', onClose);
  });
}

/** Streams an override: fixed bytes, or a large PDF-looking body produced chunk by chunk. */
function sendOverride(res: Response, override: SummaryOverride, logger: Logger): void {
  res.status(200).type(override.contentType);
  if (override.kind === 'bytes') {
    res.send(override.body);
    return;
  }
  if (override.sendContentLength) {
    res.setHeader('Content-Length', String(override.bytes));
  }
  const total = override.bytes;
  async function* chunks(): AsyncGenerator<Buffer> {
    const header = Buffer.from('%PDF-1.7\n');
    const filler = Buffer.alloc(64 * 1024, 0x20);
    let sent = 0;
    while (sent < total) {
      const chunk = sent === 0 ? Buffer.concat([header, filler]) : filler;
      const piece = chunk.subarray(0, Math.min(chunk.length, total - sent));
      sent += piece.length;
      yield piece;
    }
  }
  pipeline(Readable.from(chunks()), res, (err) => {
    if (err) {
      // The client hung up early, which is what oversize tests expect of it.
      logger.debug('simulator: oversized summary stream ended early', { code: (err as NodeJS.ErrnoException).code });
    }
  });
}

export function createApiRouter(options: ApiRouteOptions): Router {
  const { state, token, logger } = options;
  const tokenHeader = options.tokenHeader.toLowerCase();
  const router = Router();

  router.use((req: Request, res: Response, next: NextFunction) => {
    // Logged on 'finish' so the entry exists before the client has read the answer;
    // on 'close' too, for clients that hung up first (status 0 if nothing was sent).
    let logged = false;
    const log = (): void => {
      if (logged) return;
      logged = true;
      state.recordRequest({
        method: req.method,
        path: req.originalUrl.split('?')[0],
        accept: req.get('accept') ?? null,
        status: res.headersSent ? res.statusCode : 0,
        at: new Date().toISOString(),
      });
    };
    res.once('finish', log);
    res.once('close', log);
    const raw = req.get(tokenHeader) ?? '';
    const presented = tokenHeader === 'authorization' ? raw.replace(/^Bearer\s+/i, '') : raw;
    const expectedShape = tokenHeader === 'authorization' ? /^Bearer\s+/i.test(raw) : true;
    if (!expectedShape || !sameSecret(presented, token)) {
      problem(res, 401, 'unauthorized', `missing or invalid API token in ${options.tokenHeader}`);
      return;
    }
    next();
  });

  /** Applies a queued fault; returns true when the response has been taken care of. */
  async function applyFault(path: FaultPath, res: Response): Promise<boolean> {
    const fault = state.takeFault(path);
    if (!fault) {
      return false;
    }
    if (fault.delayMs && !(await delay(res, fault.delayMs))) {
      return true;
    }
    if (fault.status === undefined) {
      return false;
    }
    if (fault.retryAfter !== undefined) {
      res.setHeader('Retry-After', String(fault.retryAfter));
    }
    problem(res, fault.status, 'simulated_fault', `simulated ${fault.status}`);
    return true;
  }

  router.get('/patient-channels/:id', async (req: Request<{ id: string }>, res: Response) => {
    if (await applyFault('channel', res)) {
      return;
    }
    const channel = state.channels.get(req.params.id);
    if (!channel) {
      problem(res, 404, 'not_found', 'unknown patient channel');
      return;
    }
    res.status(200).json(channel);
  });

  router.get('/patient-channels/:id/summary', async (req: Request<{ id: string }>, res: Response) => {
    if (await applyFault('summary', res)) {
      return;
    }
    const channel = state.channels.get(req.params.id);
    if (!channel) {
      problem(res, 404, 'not_found', 'unknown patient channel');
      return;
    }
    if (!acceptsPdf(req.get('accept'))) {
      problem(res, 406, 'not_acceptable', 'this endpoint requires Accept: application/pdf');
      return;
    }
    const override = state.summaryOverrides.get(channel.id);
    if (override) {
      sendOverride(res, override, logger);
      return;
    }
    const pdf = await renderSummaryReport(channel);
    res.status(200).type('application/pdf').send(pdf);
  });

  return router;
}
