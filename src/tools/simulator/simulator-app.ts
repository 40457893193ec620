/**
 * The Pulsara simulator as an express app (`/api/v1/...` per the contract, `/_sim/...` for
 * fault injection) and as a started HTTP server for tests, the demo and `simulator`.
 */
import type { AddressInfo } from 'node:net';
import type { Server } from 'node:http';
import express from 'express';
import type { Express, NextFunction, Request, Response } from 'express';
import { silentLogger } from '../../shared/logger';
import type { Logger } from '../../shared/logger';
import { createAdminRouter, isAdminBadRequest } from './admin-routes';
import { createApiRouter } from './api-routes';
import { SimulatorState } from './simulator-state';
import { DEFAULTS } from '../../config/defaults';

/** Token the simulator expects when none is configured. */
export const DEFAULT_SIMULATOR_TOKEN = 'sim-token';
/** Header that carries the token when none is configured. */

export interface SimulatorAppOptions {
  token?: string;
  /** `x-api-key` by default; `authorization` expects `Bearer <token>`. */
  tokenHeader?: string;
  /** Pass your own to inspect or change it directly; a seeded one is made otherwise. */
  state?: SimulatorState;
  logger?: Logger;
}

/** Builds the simulator's express app (no server is started). */
export function createSimulatorApp(options: SimulatorAppOptions = {}): Express {
  const logger = options.logger ?? silentLogger();
  const state = options.state ?? new SimulatorState();
  const app = express();
  app.disable('x-powered-by');
  app.set('etag', false);

  app.use(
    '/api/v1',
    createApiRouter({
      state,
      token: options.token ?? DEFAULT_SIMULATOR_TOKEN,
      tokenHeader: options.tokenHeader ?? DEFAULTS.pulsara.tokenHeader,
      logger,
    }),
  );
  app.use('/_sim', createAdminRouter(state));

  app.use((_req: Request, res: Response) => {
    res.status(404).json({ error: 'not_found', message: 'no such route' });
  });
  app.use((err: unknown, req: Request, res: Response, _next: NextFunction) => {
    if (isAdminBadRequest(err)) {
      res.status(400).json({ error: 'bad_request', message: err.message });
      return;
    }
    logger.error('simulator: request failed', {
      path: req.path,
      error: err instanceof Error ? err.message : String(err),
    });
    if (!res.headersSent) {
      res.status(500).json({ error: 'internal', message: 'simulator error' });
    }
  });
  return app;
}

export interface StartSimulatorOptions {
  /** 0 (the default) picks a free port. */
  port?: number;
  host?: string;
  token?: string;
  tokenHeader?: string;
  logger?: Logger;
  state?: SimulatorState;
}

export interface RunningSimulator {
  /** e.g. `http://127.0.0.1:8070`: no trailing slash, no `/api/v1`. */
  baseUrl: string;
  port: number;
  state: SimulatorState;
  close(): Promise<void>;
}

/** Starts the simulator on an HTTP port; `close()` also drops open (e.g. delayed) connections. */
export async function startSimulator(options: StartSimulatorOptions = {}): Promise<RunningSimulator> {
  const host = options.host ?? '127.0.0.1';
  const state = options.state ?? new SimulatorState();
  const logger = options.logger ?? silentLogger();
  const app = createSimulatorApp({ token: options.token, tokenHeader: options.tokenHeader, state, logger });
  const server: Server = await new Promise((resolve, reject) => {
    // Express 5 calls back with the listen error (e.g. EADDRINUSE) as well.
    const listening = app.listen(options.port ?? 0, host, (err?: Error) => (err ? reject(err) : resolve(listening)));
  });
  const { port } = server.address() as AddressInfo;
  const urlHost = host.includes(':') ? `[${host}]` : host;
  logger.info('simulator: listening', { port, host });
  return {
    baseUrl: `http://${urlHost}:${port}`,
    port,
    state,
    close: () =>
      new Promise<void>((resolve, reject) => {
        server.close((err) => (err ? reject(err) : resolve()));
        server.closeAllConnections();
      }),
  };
}
