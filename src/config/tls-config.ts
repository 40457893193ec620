import { createPrivateKey, X509Certificate } from 'node:crypto';
import type { KeyObject } from 'node:crypto';
import type { Env } from './env';
import type { FhirTlsSettings } from './settings';

const CERTIFICATE_BLOCK = /-----BEGIN CERTIFICATE-----[\s\S]+?-----END CERTIFICATE-----/g;

/**
 * Reads the TLS settings of the FHIR and token calls from an environment whose `_FILE`
 * variables are already resolved: `FHIR_CA_FILE` (a PEM bundle trusted beside the system
 * roots) arrives as `FHIR_CA`, `FHIR_CLIENT_CERT_FILE`/`FHIR_CLIENT_KEY_FILE` (mutual TLS)
 * as `FHIR_CLIENT_CERT`/`FHIR_CLIENT_KEY`; the inline forms work too, by the one `_FILE`
 * rule. Problems name the variable the operator set, never a key.
 */
export function parseFhirTlsConfig(env: Env): { tls?: FhirTlsSettings; problems: string[] } {
  const problems: string[] = [];
  const named = (name: string): string => (env[`${name}_FILE`] ? `${name}_FILE` : name);
  const value = (name: string): string | undefined => (env[name]?.trim() ? env[name] : undefined);

  const caText = value('FHIR_CA');
  const certText = value('FHIR_CLIENT_CERT');
  const keyText = value('FHIR_CLIENT_KEY');
  const ca = caText === undefined ? undefined : readCertificates(caText, named('FHIR_CA'), problems);
  const cert = certText === undefined ? undefined : readCertificates(certText, named('FHIR_CLIENT_CERT'), problems);
  const key = keyText === undefined ? undefined : readPrivateKey(keyText, named('FHIR_CLIENT_KEY'), problems);

  // Set at all (an unreadable file is reported by the _FILE rule, and still counts as set here).
  const certSet = certText !== undefined || Boolean(env.FHIR_CLIENT_CERT_FILE);
  const keySet = keyText !== undefined || Boolean(env.FHIR_CLIENT_KEY_FILE);
  if (certSet !== keySet) {
    const [set, missing] = certSet ? ['FHIR_CLIENT_CERT', 'FHIR_CLIENT_KEY'] : ['FHIR_CLIENT_KEY', 'FHIR_CLIENT_CERT'];
    problems.push(`${named(set)}: mutual TLS needs ${missing}_FILE as well (the client certificate and its key)`);
  } else if (cert?.[0] && key && !cert[0].checkPrivateKey(key)) {
    problems.push(
      `${named('FHIR_CLIENT_KEY')}: is not the private key of the certificate in ${named('FHIR_CLIENT_CERT')}`,
    );
  }
  if (problems.length > 0 || (!ca && !cert)) {
    return { problems };
  }
  return {
    tls: {
      caCertificates: ca?.map((c) => c.toString()),
      clientCertificate: certText,
      clientKey: keyText,
    },
    problems,
  };
}

function readCertificates(text: string, variable: string, problems: string[]): X509Certificate[] | undefined {
  const blocks = text.match(CERTIFICATE_BLOCK) ?? [];
  if (blocks.length === 0) {
    problems.push(`${variable}: no PEM certificate found (expected -----BEGIN CERTIFICATE----- blocks)`);
    return undefined;
  }
  const certificates: X509Certificate[] = [];
  for (const [index, block] of blocks.entries()) {
    try {
      certificates.push(new X509Certificate(block));
    } catch {
      problems.push(`${variable}: certificate ${index + 1} of ${blocks.length} is not a valid X.509 certificate`);
      return undefined;
    }
  }
  return certificates;
}

function readPrivateKey(text: string, variable: string, problems: string[]): KeyObject | undefined {
  try {
    return createPrivateKey(text.replace(/\\n/g, '\n'));
  } catch {
    problems.push(`${variable}: not a readable unencrypted PEM private key`);
    return undefined;
  }
}
