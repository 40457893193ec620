import { Agent } from 'node:https';
import { rootCertificates } from 'node:tls';
import type { FhirTlsSettings } from '../config/settings';

/** How the EHR calls (FHIR API, SMART discovery, token endpoint) reach the network. */
export interface EhrTransport {
  /** The agent of every https call to the EHR; unset: Node's default (system roots, no client certificate). */
  httpsAgent?: Agent;
}

/**
 * One https agent for all EHR calls, so that the FHIR endpoint and the token endpoint trust
 * the same private CA and present the same client certificate. Node replaces its trusted
 * roots with `ca` when given, so the system roots are passed along with the bundle.
 */
export function createEhrTransport(tls: FhirTlsSettings | undefined): EhrTransport {
  if (!tls) {
    return {};
  }
  return {
    httpsAgent: new Agent({
      keepAlive: true,
      ...(tls.caCertificates ? { ca: [...rootCertificates, ...tls.caCertificates] } : {}),
      ...(tls.clientCertificate ? { cert: tls.clientCertificate, key: tls.clientKey } : {}),
    }),
  };
}
