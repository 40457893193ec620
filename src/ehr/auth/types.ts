/**
 * How the bridge authenticates to the EHR's FHIR endpoint (`FHIR_AUTH`). The settings of each
 * mode are read by config/ehr-auth-config.ts; this folder turns them into request headers.
 */

/** Supplies the headers that authenticate one FHIR request. */
export interface EhrAuth {
  /** Headers to add to a request, e.g. `{ Authorization: 'Bearer …' }`; fetches a token when none is cached. */
  headers(): Promise<Record<string, string>>;
  /** Drops any cached token, so that the next `headers()` obtains a fresh one (after a 401). */
  invalidate(): void;
  /**
   * What an operator should check when the EHR keeps refusing these credentials: the
   * settings and their non-secret values (client id, scopes, key id), never a secret.
   */
  readonly hint?: string;
}
