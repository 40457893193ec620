import express from 'express';
import type { NextFunction, Request, Response } from 'express';
import { allOk, badRequest, getReferenceString, getStatus, isResourceType, notFound } from '@medplum/core';
import type { Bundle, OperationOutcome, Resource } from '@medplum/fhirtypes';
import { FhirRouter } from '@medplum/fhir-router';
import type { FhirRequest, FhirResponse, HttpMethod } from '@medplum/fhir-router';
import type { Logger } from '../../shared/logger';
import { buildCapabilityStatement } from './capability-statement';
import { ensureFhirSearchDefinitions } from '../../shared/fhir-definitions';
import { SandboxRepository } from './sandbox-repository';
import { checkSearchParameters } from './search-rules';
import { executeTransaction } from './transaction';
import { vendorProfileOf } from './profiles';
import type { SandboxProfileName, VendorProfile } from './profiles';
import { createVendorGate } from './vendor/vendor-gate';
import type { GateAnswer, VendorGate } from './vendor/vendor-gate';
import { mountSmart, SmartAuthority, TOKEN_PATH } from './smart';
import type { SmartOptions } from './smart';

/** Path under which the FHIR API is served. */
export const FHIR_BASE_PATH = '/fhir';

/** Inline attachments up to 50 MB of PDF arrive base64-encoded (x 4/3) inside JSON. */
const BODY_LIMIT = '80mb';
const FHIR_CONTENT_TYPES = ['application/fhir+json', 'application/json', 'application/json-patch+json'];
const METHODS = new Set<HttpMethod>(['GET', 'POST', 'PUT', 'PATCH', 'DELETE']);
const WITH_BODY = new Set<HttpMethod>(['POST', 'PUT', 'PATCH']);

export interface SandboxAppOptions {
  /** Receives one line per request: method, path (no query: it can hold MRNs), status, duration. */
  logger?: Logger;
  /** Whose write rules the sandbox follows; default `generic` (strict R4, transactions, conditional create). */
  profile?: SandboxProfileName;
  /** SMART Backend Services: a token endpoint, and a bearer token required on FHIR calls. */
  smart?: SmartOptions;
}

export interface SandboxApp {
  app: express.Express;
  repo: SandboxRepository;
  profile: SandboxProfileName;
  /** The token endpoint's state and counters, when `smart` was given. */
  smart?: SmartAuthority;
}

/**
 * Builds the sandbox's express app: a FHIR R4 API under `/fhir` backed by a fresh,
 * empty in-memory repository. Answers are `application/fhir+json`; every error is an
 * OperationOutcome with its HTTP status. With an `epic` or `oracle` profile, requests
 * first meet that vendor's rules (profiles/); with `smart`, a SMART token endpoint at
 * `/oauth2/token` and a bearer-token check in front of every FHIR request.
 */
export async function createSandboxApp(options: SandboxAppOptions = {}): Promise<SandboxApp> {
  ensureFhirSearchDefinitions();
  const repo = new SandboxRepository();
  const router = new FhirRouter();
  const profile = options.profile ?? 'generic';
  const vendor = vendorProfileOf(profile);
  const smart = options.smart ? new SmartAuthority(options.smart) : undefined;
  const gate = vendor
    ? createVendorGate(vendor, repo, (url, headers) =>
        router.handleRequest(
          { method: 'GET', url, pathname: '', body: undefined, params: {}, query: {}, headers },
          repo,
        ),
      )
    : undefined;

  const app = express();
  app.disable('x-powered-by');
  if (options.logger) {
    app.use(requestLog(options.logger));
  }
  if (smart) {
    mountSmart(app, FHIR_BASE_PATH, smart);
  }
  app.use(FHIR_BASE_PATH, express.json({ type: FHIR_CONTENT_TYPES, limit: BODY_LIMIT }));
  const context: FhirContext = { repo, router, gate, vendor, smart: Boolean(smart) };
  app.all([FHIR_BASE_PATH, `${FHIR_BASE_PATH}/*path`], (req, res, next) => {
    handleFhirRequest(req, res, context).catch(next);
  });
  app.use((_req: Request, res: Response) => {
    sendOutcome(res, 404, notFound);
  });
  app.use((err: unknown, _req: Request, res: Response, _next: NextFunction) => {
    const { status, message } = describeHttpError(err);
    if (status >= 500) {
      options.logger?.error('sandbox internal error', { error: err instanceof Error ? err.message : String(err) });
    }
    sendOutcome(res, status, badRequest(message));
  });
  return { app, repo, profile, smart };
}

interface FhirContext {
  repo: SandboxRepository;
  router: FhirRouter;
  gate?: VendorGate;
  vendor?: VendorProfile;
  smart: boolean;
}

async function handleFhirRequest(req: Request, res: Response, context: FhirContext): Promise<void> {
  const { repo, router, gate } = context;
  const method = req.method as HttpMethod;
  if (!METHODS.has(method)) {
    sendOutcome(res, 405, badRequest(`Method ${req.method} is not supported`));
    return;
  }
  if (WITH_BODY.has(method) && !req.is(FHIR_CONTENT_TYPES)) {
    sendOutcome(res, 415, badRequest(`Unsupported content type: send ${FHIR_CONTENT_TYPES.slice(0, 2).join(' or ')}`));
    return;
  }
  const baseUrl = `${req.protocol}://${req.get('host') ?? 'localhost'}${FHIR_BASE_PATH}`;
  const url = req.originalUrl.slice(FHIR_BASE_PATH.length) || '/';
  const segments = url.split('?')[0].split('/').filter(Boolean);

  if (method === 'GET' && segments.length === 1 && segments[0] === 'metadata') {
    const tokenUrl = context.smart ? `${req.protocol}://${req.get('host') ?? 'localhost'}${TOKEN_PATH}` : undefined;
    sendFhirResponse(res, [allOk, buildCapabilityStatement(baseUrl, context.vendor, tokenUrl)], baseUrl);
    return;
  }
  const query = new URLSearchParams(url.split('?')[1] ?? '');
  const unknownType = refuseUnknownType(segments);
  if (unknownType) {
    sendFhirResponse(res, [unknownType], baseUrl);
    return;
  }
  const answer = gate && (await gate({ method, segments, query, headers: req.headers, body: req.body, baseUrl }));
  if (answer) {
    sendGateAnswer(res, answer, baseUrl);
    return;
  }
  const refusal =
    method === 'GET' && segments.length === 1 ? checkSearchParameters(segments[0], query.keys()) : undefined;
  if (refusal) {
    sendFhirResponse(res, [refusal], baseUrl);
    return;
  }

  const fhirRequest: FhirRequest = {
    method,
    url,
    pathname: '',
    body: req.body as unknown,
    params: {},
    query: {},
    headers: req.headers,
  };
  const body = req.body as Partial<Bundle> | undefined;
  const result =
    method === 'POST' && segments.length === 0 && body?.resourceType === 'Bundle' && body.type === 'transaction'
      ? await executeTransaction(body as Bundle, fhirRequest, repo, router)
      : await router.handleRequest(fhirRequest, repo);
  sendFhirResponse(res, result, baseUrl);
}

/** Unknown resource types (and, after the vendor gate, unknown search parameters) are errors here, not empty results. */
function refuseUnknownType(segments: string[]): OperationOutcome | undefined {
  const [first] = segments;
  if (first === undefined || isResourceType(first)) {
    return undefined;
  }
  return {
    ...notFound,
    issue: [{ severity: 'error', code: 'not-found', details: { text: `Unknown resource type ${first}` } }],
  };
}

/** A vendor answer: its status and headers, and its body or none (a vendor's empty 201). */
function sendGateAnswer(res: Response, answer: GateAnswer, baseUrl: string): void {
  res.status(answer.status).set(answer.headers ?? {});
  if (answer.body) {
    res.type('application/fhir+json').send(JSON.stringify(withFullUrls(answer.body, baseUrl)));
  } else {
    res.end();
  }
}

function sendFhirResponse(res: Response, [outcome, resource]: FhirResponse, baseUrl: string): void {
  const status = getStatus(outcome);
  if (!resource) {
    sendOutcome(res, status, outcome);
    return;
  }
  const versionId = resource.meta?.versionId;
  if (resource.id && versionId) {
    res.setHeader('ETag', `W/"${versionId}"`);
    if (resource.meta?.lastUpdated) {
      res.setHeader('Last-Modified', new Date(resource.meta.lastUpdated).toUTCString());
    }
    if (status === 201) {
      res.setHeader('Location', `${baseUrl}/${getReferenceString(resource)}/_history/${versionId}`);
    }
  }
  res
    .status(status)
    .type('application/fhir+json')
    .send(JSON.stringify(withFullUrls(resource, baseUrl)));
}

/** Search and history Bundles get the `fullUrl`s and self link that clients expect. */
function withFullUrls(resource: Resource, baseUrl: string): Resource {
  if (resource.resourceType !== 'Bundle' || (resource.type !== 'searchset' && resource.type !== 'history')) {
    return resource;
  }
  return {
    ...resource,
    entry: resource.entry?.map((entry) =>
      entry.resource?.id ? { fullUrl: `${baseUrl}/${getReferenceString(entry.resource)}`, ...entry } : entry,
    ),
  };
}

function sendOutcome(res: Response, status: number, outcome: OperationOutcome): void {
  res.status(status).type('application/fhir+json').send(JSON.stringify(outcome));
}

/** Maps body-parser failures (bad JSON, too large) to their HTTP status. */
function describeHttpError(err: unknown): { status: number; message: string } {
  const candidate = err as { status?: unknown; type?: unknown };
  if (candidate.type === 'entity.too.large') {
    return { status: 413, message: `Request body larger than ${BODY_LIMIT}` };
  }
  if (candidate.type === 'entity.parse.failed') {
    return { status: 400, message: 'Request body is not valid JSON' };
  }
  const status = typeof candidate.status === 'number' && candidate.status >= 400 ? candidate.status : 500;
  return { status, message: status === 500 ? 'Internal server error' : 'Bad request' };
}

function requestLog(logger: Logger): express.RequestHandler {
  return (req, res, next) => {
    const started = process.hrtime.bigint();
    res.on('finish', () => {
      const durationMs = Number((process.hrtime.bigint() - started) / 1_000_000n);
      logger.info('sandbox request', { method: req.method, path: req.path, status: res.statusCode, durationMs });
    });
    next();
  };
}
