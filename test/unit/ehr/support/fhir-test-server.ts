import type { Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import express from 'express';
import type { Request, Response } from 'express';
import { allOk, getStatus, OperationOutcomeError, badRequest, validateResource } from '@medplum/core';
import { ensureFhirSearchDefinitions } from '../../../../src/shared/fhir-definitions';
import { FhirRouter, MemoryRepository } from '@medplum/fhir-router';
import type { FhirRequest, HttpMethod, UpdateResourceOptions } from '@medplum/fhir-router';
import type { WithId } from '@medplum/core';
import type { Resource } from '@medplum/fhirtypes';

/**
 * An in-process FHIR R4 server for the EHR tests: @medplum/fhir-router over a
 * MemoryRepository behind express on 127.0.0.1, port 0. It validates what is written
 * (so that rejected writes answer with a real OperationOutcome) and records every request
 * so that tests can assert what the bridge sent, e.g. "nothing on the second run".
 */

/** Rejects structurally invalid resources like a validating server would. */
class ValidatingRepository extends MemoryRepository {
  override async createResource<T extends Resource>(resource: T): Promise<WithId<T>> {
    assertValid(resource);
    return super.createResource(resource);
  }

  override async updateResource<T extends Resource>(resource: T, options?: UpdateResourceOptions): Promise<WithId<T>> {
    assertValid(resource);
    return super.updateResource(resource, options);
  }
}

function assertValid(resource: Resource): void {
  const issues = validateResource(resource);
  if (issues.length > 0) {
    throw new OperationOutcomeError({ resourceType: 'OperationOutcome', id: 'validation', issue: issues });
  }
  if (
    resource.resourceType === 'Observation' &&
    resource.status === 'cancelled' &&
    resource.code.text === 'reject-me'
  ) {
    throw new OperationOutcomeError(badRequest('Observation rejected by test rule', 'Observation.code'));
  }
}

export interface RecordedRequest {
  method: string;
  /** Path below the FHIR base, without the query string. */
  path: string;
  query: string;
  headers: Record<string, string | string[] | undefined>;
  body: unknown;
}

export interface FhirTestServerOptions {
  /** Like Epic: no conditional create, If-None-Exist is ignored. */
  ignoreIfNoneExist?: boolean;
  /**
   * Answer writes with an empty body and a Location header: `unless-prefer` like Epic
   * without `Prefer: return=representation`, `always` like a server that ignores Prefer.
   */
  emptyWriteBody?: 'unless-prefer' | 'always';
}

export interface FhirTestServer {
  baseUrl: string;
  repo: MemoryRepository;
  requests: RecordedRequest[];
  /** Requests that change data (POST/PUT/PATCH/DELETE). */
  writes(): RecordedRequest[];
  close(): Promise<void>;
}

export async function startFhirTestServer(options: FhirTestServerOptions = {}): Promise<FhirTestServer> {
  ensureFhirSearchDefinitions();
  const repo = new ValidatingRepository();
  const router = new FhirRouter();
  router.router.add('GET', 'metadata', async () => [
    allOk,
    {
      resourceType: 'CapabilityStatement',
      status: 'active',
      date: '2026-01-01',
      kind: 'instance',
      fhirVersion: '4.0.1',
      format: ['json'],
    },
  ]);
  const requests: RecordedRequest[] = [];

  const app = express();
  app.use(express.json({ type: ['application/json', 'application/fhir+json'], limit: '100mb' }));
  app.use('/fhir', async (req: Request, res: Response) => {
    const url = req.url.replace(/^\//, '');
    const [path, query = ''] = url.split('?');
    requests.push({ method: req.method, path, query, headers: req.headers, body: req.body });
    const headers = { ...req.headers };
    if (options.ignoreIfNoneExist) {
      delete headers['if-none-exist'];
    }
    const fhirRequest: FhirRequest = {
      method: req.method as HttpMethod,
      url,
      pathname: '',
      params: {},
      query: {},
      body: req.body,
      headers,
      config: { transactions: true },
    };
    const [outcome, resource] = await router.handleRequest(fhirRequest, repo);
    const status = getStatus(outcome);
    res.type('application/fhir+json');
    if (!resource) {
      res.status(status).send(JSON.stringify(outcome));
      return;
    }
    if ((status === 201 || req.method !== 'GET') && resource.id) {
      res.setHeader(
        'Location',
        `${baseUrl}/${resource.resourceType}/${resource.id}/_history/${resource.meta?.versionId ?? '1'}`,
      );
    }
    if (resource.meta?.versionId) {
      res.setHeader('ETag', `W/"${resource.meta.versionId}"`);
    }
    const wantsBody = req.headers.prefer === 'return=representation';
    const empty = options.emptyWriteBody === 'always' || (options.emptyWriteBody === 'unless-prefer' && !wantsBody);
    if (empty && req.method !== 'GET') {
      res.status(status).end();
      return;
    }
    res.status(status).send(JSON.stringify(resource));
  });

  const server: Server = await new Promise((resolve) => {
    const s = app.listen(0, '127.0.0.1', () => resolve(s));
  });
  const { port } = server.address() as AddressInfo;
  const baseUrl = `http://127.0.0.1:${port}/fhir`;
  return {
    baseUrl,
    repo,
    requests,
    writes: () => requests.filter((r) => r.method !== 'GET'),
    close: () => new Promise<void>((resolve, reject) => server.close((err) => (err ? reject(err) : resolve()))),
  };
}
