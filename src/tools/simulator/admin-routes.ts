/**
 * The simulator's admin API, mounted at `/_sim`, for tests and demos to change what the
 * simulated Pulsara API answers. No token: the simulator listens on 127.0.0.1 by default.
 *
 *   GET    /_sim/channels                           ids of all channels
 *   GET    /_sim/channels/:id                       one channel (200 | 404)
 *   PUT    /_sim/channels/:id                       create or replace a channel (body = channel
 *                                                   JSON; its id must be absent or equal :id)
 *   PATCH  /_sim/channels/:id/timeline/:key         body { time: string|null, set_by?, label?,
 *                                                   updated_at? }; adds the entry if missing
 *   PATCH  /_sim/channels/:id/identifiers/:name     body { value: string|null, id?, category?,
 *                                                   updated_at? }; adds the identifier if missing
 *            Both PATCHes move `updated_at` to now unless the body gives one, as an edit in
 *            Pulsara would, and answer { channel, entry | identifier }.
 *   POST   /_sim/faults                             body { path?: 'channel'|'summary', status?,
 *                                                   count?: n (default 1), retryAfter?: seconds,
 *                                                   delayMs? }: the next n matching API calls
 *                                                   wait delayMs, then answer status (with
 *                                                   Retry-After when given) or, without a
 *                                                   status, answer normally
 *   GET    /_sim/faults, DELETE /_sim/faults        list / clear queued faults
 *   POST   /_sim/summary-override/:id               body { contentType?, text? | base64? } serves
 *                                                   those bytes (default text/html), or
 *                                                   { oversizeBytes: n, contentType?,
 *                                                   contentLength?: boolean } streams n bytes
 *                                                   starting with %PDF-
 *   DELETE /_sim/summary-override/:id               back to the generated PSR
 *   GET    /_sim/requests, DELETE /_sim/requests    the API request log { method, path,
 *                                                   accept, status, at } / clear it
 *   POST   /_sim/reset                              seeded channels, no faults, no overrides,
 *                                                   empty request log
 * Bad bodies answer 400 { error, message }.
 */
import express, { Router } from 'express';
import type { Request, Response } from 'express';
import type { ChannelIdentifier, PatientChannel, TimelineEntry } from '../../pulsara/types';
import type { FaultPath, FaultRule, SimulatorState, SummaryOverride } from './simulator-state';

type Body = Record<string, unknown>;

/** A 400 raised by a body check; the router's error handler answers it. */
class BadRequest extends Error {}

function isObject(value: unknown): value is Body {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

function bodyOf(req: Request): Body {
  if (!isObject(req.body)) {
    throw new BadRequest('expected a JSON object body (Content-Type: application/json)');
  }
  return req.body;
}

function optionalString(body: Body, key: string): string | undefined {
  const value = body[key];
  if (value !== undefined && typeof value !== 'string') {
    throw new BadRequest(`${key} must be a string`);
  }
  return value;
}

function nullableString(body: Body, key: string): string | null {
  const value = body[key];
  if (value !== null && typeof value !== 'string') {
    throw new BadRequest(`${key} is required: a string or null`);
  }
  return value;
}

function optionalCount(body: Body, key: string, min: number): number | undefined {
  const value = body[key];
  if (value === undefined) {
    return undefined;
  }
  if (typeof value !== 'number' || !Number.isInteger(value) || value < min) {
    throw new BadRequest(`${key} must be an integer >= ${min}`);
  }
  return value;
}

function nowIso(): string {
  return new Date().toISOString().replace(/\.\d{3}Z$/, 'Z');
}

function parseFault(body: Body): FaultRule {
  const path = body.path;
  if (path !== undefined && path !== 'channel' && path !== 'summary') {
    throw new BadRequest("path must be 'channel' or 'summary' (or absent for both)");
  }
  const status = optionalCount(body, 'status', 100);
  if (status !== undefined && status > 599) {
    throw new BadRequest('status must be an HTTP status code');
  }
  const delayMs = optionalCount(body, 'delayMs', 0);
  if (status === undefined && !delayMs) {
    throw new BadRequest('a fault needs a status, a delayMs, or both');
  }
  return {
    path: path as FaultPath | undefined,
    status,
    retryAfter: optionalCount(body, 'retryAfter', 0),
    delayMs,
    remaining: optionalCount(body, 'count', 1) ?? 1,
  };
}

function parseOverride(body: Body): SummaryOverride {
  const oversizeBytes = optionalCount(body, 'oversizeBytes', 1);
  if (oversizeBytes !== undefined) {
    return {
      kind: 'oversized',
      bytes: oversizeBytes,
      contentType: optionalString(body, 'contentType') ?? 'application/pdf',
      sendContentLength: body.contentLength === true,
    };
  }
  const text = optionalString(body, 'text');
  const base64 = optionalString(body, 'base64');
  if ((text === undefined) === (base64 === undefined)) {
    throw new BadRequest('give exactly one of text, base64 or oversizeBytes');
  }
  return {
    kind: 'bytes',
    contentType: optionalString(body, 'contentType') ?? 'text/html',
    body: text !== undefined ? Buffer.from(text, 'utf8') : Buffer.from(base64 ?? '', 'base64'),
  };
}

export function createAdminRouter(state: SimulatorState): Router {
  const router = Router();
  router.use(express.json({ limit: '1mb' }));

  function channelOr404(req: Request<{ id: string }>, res: Response): PatientChannel | undefined {
    const channel = state.channels.get(req.params.id);
    if (!channel) {
      res.status(404).json({ error: 'not_found', message: `no channel ${req.params.id}` });
    }
    return channel;
  }

  router.get('/channels', (_req, res) => {
    res.json({ ids: [...state.channels.keys()] });
  });

  router.get('/channels/:id', (req: Request<{ id: string }>, res) => {
    const channel = channelOr404(req, res);
    if (channel) {
      res.json(channel);
    }
  });

  router.put('/channels/:id', (req: Request<{ id: string }>, res) => {
    const body = bodyOf(req);
    if (body.id !== undefined && body.id !== req.params.id) {
      throw new BadRequest('the body id differs from the id in the path');
    }
    for (const key of ['identifiers', 'timeline']) {
      if (body[key] !== undefined && !Array.isArray(body[key])) {
        throw new BadRequest(`${key} must be an array`);
      }
    }
    const existed = state.channels.has(req.params.id);
    const channel = { ...body, id: req.params.id } as PatientChannel;
    state.putChannel(channel);
    res.status(existed ? 200 : 201).json(channel);
  });

  router.patch('/channels/:id/timeline/:key', (req: Request<{ id: string; key: string }>, res) => {
    const body = bodyOf(req);
    const time = nullableString(body, 'time');
    const setBy = body.set_by === null ? null : optionalString(body, 'set_by');
    const label = optionalString(body, 'label');
    const updatedAt = optionalString(body, 'updated_at');
    const channel = channelOr404(req, res);
    if (!channel) {
      return;
    }
    channel.timeline ??= [];
    let entry: TimelineEntry | undefined = channel.timeline.find((candidate) => candidate.key === req.params.key);
    if (!entry) {
      entry = { key: req.params.key, label: label ?? req.params.key, time, set_by: null };
      channel.timeline.push(entry);
    }
    entry.time = time;
    if (label !== undefined) entry.label = label;
    if (setBy !== undefined) entry.set_by = setBy;
    channel.updated_at = updatedAt ?? nowIso();
    res.json({ channel, entry });
  });

  router.patch('/channels/:id/identifiers/:name', (req: Request<{ id: string; name: string }>, res) => {
    const body = bodyOf(req);
    const value = nullableString(body, 'value');
    const id = optionalString(body, 'id');
    const category = optionalString(body, 'category');
    const updatedAt = optionalString(body, 'updated_at');
    const channel = channelOr404(req, res);
    if (!channel) {
      return;
    }
    channel.identifiers ??= [];
    let identifier: ChannelIdentifier | undefined = channel.identifiers.find(
      (candidate) => candidate.name === req.params.name,
    );
    if (!identifier) {
      identifier = {
        id: id ?? `cid_${channel.identifiers.length + 501}`,
        name: req.params.name,
        category: category ?? 'hospital',
      };
      channel.identifiers.push(identifier);
    }
    identifier.value = value;
    if (id !== undefined) identifier.id = id;
    if (category !== undefined) identifier.category = category;
    channel.updated_at = updatedAt ?? nowIso();
    res.json({ channel, identifier });
  });

  router.post('/faults', (req, res) => {
    const fault = parseFault(bodyOf(req));
    state.addFault(fault);
    res.status(201).json(fault);
  });
  router.get('/faults', (_req, res) => {
    res.json({ faults: state.faults });
  });
  router.delete('/faults', (_req, res) => {
    state.faults = [];
    res.status(204).end();
  });

  router.post('/summary-override/:id', (req: Request<{ id: string }>, res) => {
    const override = parseOverride(bodyOf(req));
    state.summaryOverrides.set(req.params.id, override);
    res.status(201).json({ id: req.params.id, kind: override.kind, contentType: override.contentType });
  });
  router.delete('/summary-override/:id', (req: Request<{ id: string }>, res) => {
    state.summaryOverrides.delete(req.params.id);
    res.status(204).end();
  });

  router.get('/requests', (_req, res) => {
    res.json({ requests: state.requests });
  });
  router.delete('/requests', (_req, res) => {
    state.requests = [];
    res.status(204).end();
  });

  router.post('/reset', (_req, res) => {
    state.reset();
    res.status(204).end();
  });

  return router;
}

/** True for errors that the admin API answers with 400 (body checks, unparsable JSON). */
export function isAdminBadRequest(err: unknown): err is Error {
  return (
    err instanceof BadRequest ||
    (err instanceof SyntaxError && 'body' in err) ||
    (isObject(err) && err.type === 'entity.parse.failed')
  );
}
