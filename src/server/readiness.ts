import type { DeliveryStore } from '../store/types';
import { toBridgeError } from '../shared/errors';

export interface ReadinessResult {
  ready: boolean;
  store: 'ok' | string;
  fhir: 'ok' | string;
}

const TIMEOUT_MS = 5000;
/** Readiness probes come every few seconds; the EHR is asked at most this often. */
const CACHE_MS = 5000;

function withTimeout<T>(promise: Promise<T>, what: string): Promise<T> {
  return new Promise<T>((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`${what} did not answer within ${TIMEOUT_MS} ms`)), TIMEOUT_MS);
    promise.then(
      (v) => {
        clearTimeout(timer);
        resolve(v);
      },
      (e: unknown) => {
        clearTimeout(timer);
        reject(e);
      },
    );
  });
}

async function probe(check: () => Promise<unknown>, what: string): Promise<string> {
  try {
    await withTimeout(check(), what);
    return 'ok';
  } catch (err) {
    const e = toBridgeError(err);
    return `${what} unavailable: ${e.code === 'internal' ? e.message.replace(/^Unexpected error: /, '') : e.message}`;
  }
}

/** `/readyz`: the store and the FHIR endpoint both answer. */
export function createReadinessCheck(deps: {
  store: DeliveryStore;
  fhirCheck: () => Promise<unknown>;
}): () => Promise<ReadinessResult> {
  let cached: { at: number; fhir: string } | undefined;
  return async () => {
    const storeState = await probe(() => deps.store.ping(), 'store');
    if (!cached || Date.now() - cached.at > CACHE_MS || cached.fhir !== 'ok') {
      cached = { at: Date.now(), fhir: await probe(deps.fhirCheck, 'FHIR endpoint') };
    }
    return { ready: storeState === 'ok' && cached.fhir === 'ok', store: storeState, fhir: cached.fhir };
  };
}
