import axios from 'axios';
import type { AxiosResponse, RawAxiosResponseHeaders, AxiosResponseHeaders } from 'axios';
import type { Bundle, Resource } from '@medplum/fhirtypes';
import { DEFAULTS } from '../config/defaults';
import { BridgeError } from '../shared/errors';
import type { Logger } from '../shared/logger';
import { silentLogger } from '../shared/logger';
import type { EhrAuth } from './auth/types';
import { credentialsRefused, httpFailure, networkFailure } from './ehr-errors';
import type { EhrTransport } from './transport';
import type { FhirClient, FhirResponse } from './types';

export interface FhirClientOptions {
  /** The FHIR R4 base, e.g. `http://localhost:8090/fhir` (a trailing slash is ignored). */
  baseUrl: string;
  auth: EhrAuth;
  /** Per-request timeout; default DEFAULTS.fhir.timeoutMs (a 50 MB PDF upload needs time). */
  timeoutMs?: number;
  logger?: Logger;
  /** Private CA and client certificate for https (config FHIR_CA_FILE, FHIR_CLIENT_CERT_FILE). */
  transport?: EhrTransport;
}

const FHIR_JSON = 'application/fhir+json';

type Method = 'GET' | 'POST' | 'PUT';

function flattenHeaders(headers: RawAxiosResponseHeaders | AxiosResponseHeaders): Record<string, string> {
  const flat: Record<string, string> = {};
  for (const [name, value] of Object.entries(headers)) {
    if (value !== undefined && value !== null) {
      flat[name.toLowerCase()] = Array.isArray(value) ? value.join(', ') : String(value);
    }
  }
  return flat;
}

/** "POST DocumentReference" for logs and error messages: the query string may hold an MRN. */
function describeRequest(method: Method, path: string): string {
  const bare = path.split('?')[0] || '(base)';
  return `${method} ${bare}`;
}

function parseBody(data: unknown): unknown {
  if (typeof data !== 'string') {
    return data;
  }
  if (data.trim() === '') {
    return undefined;
  }
  try {
    return JSON.parse(data) as unknown;
  } catch {
    // A proxy's HTML error page: keep nothing, the status says enough.
    return undefined;
  }
}

/**
 * Creates the FHIR client the EHR side uses: JSON in and out, authentication headers from
 * `auth` (refreshed once on a 401), failures turned into ehr-* BridgeErrors. Logs method,
 * resource path, status and time only, never bodies or query strings.
 */
export function createFhirClient(options: FhirClientOptions): FhirClient {
  const baseUrl = options.baseUrl.replace(/\/+$/, '');
  const logger = options.logger ?? silentLogger();
  const http = axios.create({
    baseURL: baseUrl,
    timeout: options.timeoutMs ?? DEFAULTS.fhir.timeoutMs,
    // Inline PDFs of up to 50 MB grow by a third in base64.
    maxBodyLength: Infinity,
    maxContentLength: Infinity,
    // Parse bodies ourselves: servers send fhir+json, empty bodies, or HTML error pages.
    responseType: 'text',
    transformResponse: [(data: unknown) => data],
    validateStatus: () => true,
    maxRedirects: 0,
    httpsAgent: options.transport?.httpsAgent,
  });

  async function send(
    method: Method,
    path: string,
    body: Resource | undefined,
    extraHeaders: Record<string, string>,
  ): Promise<AxiosResponse<unknown>> {
    const headers: Record<string, string> = {
      Accept: FHIR_JSON,
      ...(body ? { 'Content-Type': FHIR_JSON } : {}),
      ...(await options.auth.headers()),
      ...extraHeaders,
    };
    try {
      // An empty path addresses the base itself (transaction Bundles).
      return await http.request({
        method,
        url: path.replace(/^\/+/, ''),
        data: body === undefined ? undefined : JSON.stringify(body),
        headers,
      });
    } catch (err) {
      throw networkFailure(err, describeRequest(method, path));
    }
  }

  async function request<T>(
    method: Method,
    path: string,
    body?: Resource,
    extraHeaders: Record<string, string> = {},
  ): Promise<FhirResponse<T>> {
    const what = describeRequest(method, path);
    const started = Date.now();
    let response = await send(method, path, body, extraHeaders);
    if (response.status === 401) {
      // An expired or revoked token: get a fresh one and try once more.
      options.auth.invalidate();
      response = await send(method, path, body, extraHeaders);
    }
    const headers = flattenHeaders(response.headers);
    const parsed = parseBody(response.data);
    logger.debug('fhir request', { request: what, status: response.status, ms: Date.now() - started });
    if (response.status < 200 || response.status >= 300) {
      const failure =
        response.status === 401 || response.status === 403
          ? credentialsRefused(response.status, parsed, what, options.auth.hint)
          : httpFailure(response.status, headers, parsed, what);
      logger.warn('fhir request failed', { request: what, status: response.status, code: failure.code });
      throw failure;
    }
    return { status: response.status, headers, body: parsed as T | undefined };
  }

  async function getResource<T>(path: string): Promise<T> {
    const response = await request<T>('GET', path);
    if (response.body === undefined) {
      throw new BridgeError('ehr-unavailable', `The EHR answered ${describeRequest('GET', path)} with an empty body`, {
        schedule: 'backoff',
      });
    }
    return response.body;
  }

  return {
    baseUrl,
    get: <T extends Resource = Resource>(path: string) => getResource<T>(path),
    search: (resourceType: string, query: Record<string, string>) =>
      getResource<Bundle>(`${resourceType}?${new URLSearchParams(query).toString()}`),
    post: <T extends Resource = Resource>(path: string, body: Resource, headers?: Record<string, string>) =>
      request<T>('POST', path, body, headers),
    put: <T extends Resource = Resource>(path: string, body: Resource, headers?: Record<string, string>) =>
      request<T>('PUT', path, body, headers),
    capabilities: () => getResource<Resource>('metadata'),
  };
}
