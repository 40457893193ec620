import { AsyncLocalStorage } from 'node:async_hooks';
import { badRequest, conflict, deepClone, getReferenceString, OperationOutcomeError } from '@medplum/core';
import type { SearchRequest, WithId } from '@medplum/core';
import type { Bundle, Resource } from '@medplum/fhirtypes';
import { MemoryRepository } from '@medplum/fhir-router';
import type { CreateResourceOptions, UpdateResourceOptions } from '@medplum/fhir-router';
import { findReferences, isPlaceholder, localTargetOf } from './references';
import { SerialLock } from './serial-lock';
import { assertValidResource } from './write-validation';

/**
 * MemoryRepository's private storage. Rollback needs to copy and restore it, and the
 * class offers no API for that; the shape is checked at construction so that a Medplum
 * upgrade that changes it fails loudly instead of silently losing atomicity.
 */
interface MemoryStorage {
  resources: Map<string, Map<string, Resource>>;
  history: Map<string, Map<string, Resource[]>>;
}

/** JSON Patch operations, typed as Medplum declares them (rfc6902 is not our dependency). */
type JsonPatch = Parameters<MemoryRepository['patchResource']>[2];

/** One caller's exclusive turn at the repository (an HTTP request, a seed call). */
interface Session {
  /** Nesting depth of withTransaction calls; reference checks wait for depth 0. */
  transactionDepth: number;
  /** `Type/id` of resources written inside the current outermost transaction. */
  writtenInTransaction: Set<string>;
}

/**
 * The sandbox's store: Medplum's in-memory repository made strict and atomic.
 *
 * - Every write is validated (structure, required codes the bridge uses) and every
 *   literal `Type/id` reference must resolve; inside a transaction the reference check
 *   runs at commit, so entries may point at each other in any order.
 * - `withTransaction` is all-or-nothing: storage is snapshotted on entry and restored if
 *   the callback or the commit checks fail. Nested calls act as savepoints.
 * - All operations are serialised (one in-memory store, small data), which also makes
 *   conditional create race-free and rules out reads of uncommitted transaction data.
 */
export class SandboxRepository extends MemoryRepository {
  private readonly storage: MemoryStorage;
  private readonly lock = new SerialLock();
  private readonly sessions = new AsyncLocalStorage<Session>();

  constructor() {
    super();
    this.storage = memoryStorageOf(this);
  }

  override createResource<T extends Resource>(resource: T, _options?: CreateResourceOptions): Promise<WithId<T>> {
    return this.exclusive(async (session) => {
      assertValidResource(resource);
      if (session.transactionDepth === 0) {
        this.assertReferencesResolve(resource);
      }
      const created = await super.createResource(resource);
      if (session.transactionDepth > 0) {
        session.writtenInTransaction.add(getReferenceString(created));
      }
      return created;
    });
  }

  /** MemoryRepository.updateResource stores through createResource, so it is validated there. */
  override updateResource<T extends Resource>(resource: T, options?: UpdateResourceOptions): Promise<WithId<T>> {
    return this.exclusive(() => super.updateResource(resource, options));
  }

  override patchResource<T extends Resource>(
    resourceType: T['resourceType'],
    id: string,
    patch: JsonPatch,
  ): Promise<WithId<T>> {
    return this.exclusive(() => super.patchResource<T>(resourceType, id, patch));
  }

  /** Refuses to delete a resource that others still reference (as HAPI does by default). */
  override deleteResource(resourceType: string, id: string): Promise<void> {
    return this.exclusive(async () => {
      const target = `${resourceType}/${id}`;
      const referrer = this.findReferrer(target);
      if (referrer) {
        throw new OperationOutcomeError(conflict(`Cannot delete ${target}: it is referenced by ${referrer}`));
      }
      await super.deleteResource(resourceType, id);
    });
  }

  override readResource<T extends Resource>(resourceType: string, id: string): Promise<T> {
    return this.exclusive(() => super.readResource<T>(resourceType, id));
  }

  override readVersion<T extends Resource>(resourceType: string, id: string, versionId: string): Promise<T> {
    return this.exclusive(() => super.readVersion<T>(resourceType, id, versionId));
  }

  override search<T extends Resource>(searchRequest: SearchRequest<T>): Promise<Bundle<WithId<T>>> {
    return this.exclusive(() => super.search(searchRequest));
  }

  /** Newest version first. (MemoryRepository reverses its stored array in place, flipping the order on every call.) */
  override readHistory<T extends Resource>(resourceType: string, id: string): Promise<Bundle<T>> {
    return this.exclusive(async () => {
      await super.readResource(resourceType, id);
      const versions = (this.storage.history.get(resourceType)?.get(id) ?? []) as T[];
      const entry = [...versions].reverse().map((version) => ({ resource: deepClone(version) }));
      return { resourceType: 'Bundle', type: 'history', total: entry.length, entry };
    });
  }

  /**
   * Runs `callback` atomically: if it throws, or a resource written inside it holds a
   * reference that does not resolve at commit, every write it made is undone.
   */
  override withTransaction<TResult>(callback: (client: undefined) => Promise<TResult>): Promise<TResult> {
    return this.exclusive(async (session) => {
      const savepoint = copyStorage(this.storage);
      session.transactionDepth++;
      try {
        const result = await callback(undefined);
        if (session.transactionDepth === 1) {
          this.assertWrittenReferencesResolve(session.writtenInTransaction);
        }
        return result;
      } catch (err) {
        restoreStorage(this.storage, savepoint);
        throw err;
      } finally {
        session.transactionDepth--;
        if (session.transactionDepth === 0) {
          session.writtenInTransaction.clear();
        }
      }
    });
  }

  /** Copies of every current resource of one type (vendor profiles' duplicate checks). */
  resourcesOfType(resourceType: string): Promise<Resource[]> {
    return this.exclusive(async () =>
      [...(this.storage.resources.get(resourceType)?.values() ?? [])].map((resource) => deepClone(resource)),
    );
  }

  /** Number of current resources, by type; for tests and the CLI banner. */
  countResources(): Record<string, number> {
    const counts: Record<string, number> = {};
    for (const [resourceType, byId] of this.storage.resources) {
      if (byId.size > 0) {
        counts[resourceType] = byId.size;
      }
    }
    return counts;
  }

  /** Joins the caller's session, or waits for the lock and opens a new one. */
  private exclusive<T>(work: (session: Session) => Promise<T>): Promise<T> {
    const current = this.sessions.getStore();
    if (current) {
      return work(current);
    }
    return this.lock.run(() => {
      const session: Session = { transactionDepth: 0, writtenInTransaction: new Set() };
      return this.sessions.run(session, () => work(session));
    });
  }

  private exists(key: string): boolean {
    const [resourceType, id] = key.split('/');
    return this.storage.resources.get(resourceType)?.has(id) ?? false;
  }

  private assertReferencesResolve(resource: Resource): void {
    for (const found of findReferences(resource)) {
      if (isPlaceholder(found.reference)) {
        throw new OperationOutcomeError(badRequest(`Unresolved placeholder reference ${found.reference}`, found.path));
      }
      const target = localTargetOf(found.reference);
      if (target && !this.exists(target)) {
        throw new OperationOutcomeError(
          badRequest(`Reference ${found.reference} does not resolve to an existing resource`, found.path),
        );
      }
    }
  }

  /** Commit check: resources rolled back by an inner savepoint are no longer stored and are skipped. */
  private assertWrittenReferencesResolve(written: Set<string>): void {
    for (const key of written) {
      const [resourceType, id] = key.split('/');
      const current = this.storage.resources.get(resourceType)?.get(id);
      if (current) {
        this.assertReferencesResolve(current);
      }
    }
  }

  private findReferrer(target: string): string | undefined {
    for (const byId of this.storage.resources.values()) {
      for (const resource of byId.values()) {
        if (findReferences(resource).some((found) => localTargetOf(found.reference) === target)) {
          return getReferenceString(resource);
        }
      }
    }
    return undefined;
  }
}

function memoryStorageOf(repo: MemoryRepository): MemoryStorage {
  const candidate = repo as unknown as Partial<MemoryStorage>;
  if (!(candidate.resources instanceof Map) || !(candidate.history instanceof Map)) {
    throw new Error('MemoryRepository internals changed: cannot snapshot storage for transactions');
  }
  return candidate as MemoryStorage;
}

/**
 * Copies the maps, not the resources: MemoryRepository never mutates a stored resource
 * (it stores fresh copies and hands out clones), so sharing them is safe and keeps a
 * snapshot cheap even with large attachments stored.
 */
function copyStorage(storage: MemoryStorage): MemoryStorage {
  const resources = new Map<string, Map<string, Resource>>();
  for (const [resourceType, byId] of storage.resources) {
    resources.set(resourceType, new Map(byId));
  }
  const history = new Map<string, Map<string, Resource[]>>();
  for (const [resourceType, byId] of storage.history) {
    history.set(resourceType, new Map([...byId].map(([id, versions]) => [id, [...versions]])));
  }
  return { resources, history };
}

function restoreStorage(storage: MemoryStorage, savepoint: MemoryStorage): void {
  storage.resources.clear();
  for (const [resourceType, byId] of savepoint.resources) {
    storage.resources.set(resourceType, byId);
  }
  storage.history.clear();
  for (const [resourceType, byId] of savepoint.history) {
    storage.history.set(resourceType, byId);
  }
}
