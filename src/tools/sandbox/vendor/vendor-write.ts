import type { IncomingHttpHeaders } from 'node:http';
import { OperationOutcomeError } from '@medplum/core';
import type { Resource } from '@medplum/fhirtypes';
import type { ResourceRules, VendorProfile } from '../profiles/types';
import type { SandboxRepository } from '../sandbox-repository';
import { SerialLock } from '../serial-lock';
import { checkContent, duplicateKey } from './content-rules';
import type { ReadStored } from './content-rules';
import { vendorOutcome } from './refusals';
import type { Refusal } from './refusals';

/** A complete answer of the emulator; `body` undefined means an empty body. */
export interface GateAnswer {
  status: number;
  headers?: Record<string, string>;
  body?: Resource;
}

export interface WriteRequest {
  resourceType: string;
  /** The id in the URL, for an update. */
  id?: string;
  body: unknown;
  headers: IncomingHttpHeaders;
  baseUrl: string;
}

/**
 * Creates and updates the way the vendor does: its content rules, what it keeps, what it
 * refuses as a duplicate, and the shape of its answer. One write at a time, so that the
 * duplicate check and the write it guards cannot interleave with another write.
 */
export class VendorWriter {
  private readonly lock = new SerialLock();

  constructor(
    private readonly profile: VendorProfile,
    private readonly repo: SandboxRepository,
  ) {}

  create(request: WriteRequest, rules: ResourceRules): Promise<GateAnswer> {
    return this.lock.run(async () => {
      const resource = this.incoming(request);
      if (!resource) {
        return this.refuse(400, [{ kind: 'invalid', message: `The body must be a ${request.resourceType} resource.` }]);
      }
      delete resource.id;
      const refused = await this.check(resource, rules);
      if (refused) {
        return refused;
      }
      // If-None-Exist is deliberately not read: neither vendor honours a conditional create.
      const { stored: created, refused: notStored } = await this.store(() => this.repo.createResource(resource));
      if (!created) {
        return notStored;
      }
      const wantsBody =
        this.profile.createAnswer.body === 'prefer' && preferReturn(request.headers) === 'representation';
      const path = `${created.resourceType}/${created.id}`;
      return {
        status: 201,
        headers: {
          ...versionHeaders(created),
          Location: this.profile.createAnswer.location === 'relative' ? path : `${request.baseUrl}/${path}`,
        },
        body: wantsBody ? created : undefined,
      };
    });
  }

  update(request: WriteRequest, rules: ResourceRules): Promise<GateAnswer> {
    return this.lock.run(async () => {
      const resource = this.incoming(request);
      if (!resource || resource.id !== request.id) {
        return this.refuse(400, [
          { kind: 'invalid', message: `The body must be the ${request.resourceType} with id ${request.id}.` },
        ]);
      }
      const current = await this.read(request.resourceType, request.id ?? '');
      if (!current) {
        return this.refuse(404, [{ kind: 'not-found', message: `${request.resourceType}/${request.id} not found.` }]);
      }
      const ifMatch = etagVersion(request.headers['if-match']);
      if (rules.updateNeedsIfMatch && ifMatch === undefined) {
        return this.refuse(412, [{ kind: 'precondition', message: 'If-Match with the current version is required.' }]);
      }
      if (ifMatch !== undefined && ifMatch !== current.meta?.versionId) {
        return this.refuse(409, [{ kind: 'conflict', message: 'The version in If-Match is not the current version.' }]);
      }
      const refused = await this.check(resource, rules);
      if (refused) {
        return refused;
      }
      const { stored: updated, refused: notStored } = await this.store(() => this.repo.updateResource(resource));
      return updated ? { status: 200, headers: versionHeaders(updated) } : notStored;
    });
  }

  /** A copy of the body when it is a resource of the type in the URL. */
  private incoming(request: WriteRequest): Resource | undefined {
    const body = request.body as Partial<Resource> | undefined;
    if (typeof body !== 'object' || body === null || body.resourceType !== request.resourceType) {
      return undefined;
    }
    return structuredClone(body) as Resource;
  }

  /** Applies what the vendor keeps, then its rules; answers with the refusal if any rule is broken. */
  private async check(resource: Resource, rules: ResourceRules): Promise<GateAnswer | undefined> {
    const write = rules.write;
    if (!write) {
      return undefined;
    }
    const record = resource as unknown as Record<string, unknown>;
    for (const element of write.keepFirst ?? []) {
      const value = record[element];
      if (Array.isArray(value) && value.length > 1) {
        record[element] = value.slice(0, 1);
      }
    }
    const broken = await checkContent(resource, write.rules, this.read);
    if (broken.length > 0) {
      return this.refuse(this.profile.contentRefusalStatus, broken);
    }
    if (write.duplicate) {
      const key = duplicateKey(resource, write.duplicate.key);
      const stored = await this.repo.resourcesOfType(resource.resourceType);
      if (stored.some((other) => other.id !== resource.id && duplicateKey(other, write.duplicate!.key) === key)) {
        return this.refuse(write.duplicate.status, [
          { kind: 'duplicate', vendorCode: write.duplicate.vendorCode, message: write.duplicate.message },
        ]);
      }
    }
    return undefined;
  }

  /** Runs a repository write; its own refusals (FHIR structure, references) get the vendor's shape. */
  private async store(
    write: () => Promise<Resource>,
  ): Promise<{ stored: Resource; refused?: undefined } | { stored?: undefined; refused: GateAnswer }> {
    try {
      return { stored: await write() };
    } catch (err) {
      if (!(err instanceof OperationOutcomeError)) {
        throw err;
      }
      const refusals: Refusal[] = err.outcome.issue.map((issue) => ({
        kind: 'invalid',
        message: issue.details?.text ?? issue.diagnostics ?? 'Invalid resource',
        expression: issue.expression?.[0],
      }));
      return { refused: this.refuse(400, refusals) };
    }
  }

  private readonly read: ReadStored = async (resourceType, id) => {
    try {
      return await this.repo.readResource(resourceType, id);
    } catch (err) {
      if (err instanceof OperationOutcomeError) {
        return undefined;
      }
      throw err;
    }
  };

  private refuse(status: number, refusals: Refusal[]): GateAnswer {
    return { status, body: vendorOutcome(this.profile.refusalStyle, refusals) };
  }
}

function versionHeaders(resource: Resource): Record<string, string> {
  const headers: Record<string, string> = {};
  if (resource.meta?.versionId) {
    headers.ETag = `W/"${resource.meta.versionId}"`;
  }
  if (resource.meta?.lastUpdated) {
    headers['Last-Modified'] = new Date(resource.meta.lastUpdated).toUTCString();
  }
  return headers;
}

/** `return=…` of a `Prefer` header. */
function preferReturn(headers: IncomingHttpHeaders): string | undefined {
  const prefer = headers.prefer;
  return /(?:^|[,;\s])return=([A-Za-z]+)/.exec(Array.isArray(prefer) ? prefer.join(',') : (prefer ?? ''))?.[1];
}

/** The version named by `If-Match: W/"3"` (or `"3"`). */
function etagVersion(header: string | undefined): string | undefined {
  return header === undefined ? undefined : /^(?:W\/)?"?([^"]*)"?$/.exec(header.trim())?.[1];
}
