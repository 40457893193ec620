import { createPrivateKey, createPublicKey, generateKeyPairSync } from 'node:crypto';
import type { KeyObject } from 'node:crypto';
import { calculateJwkThumbprint, exportJWK } from 'jose';
import type { JSONWebKeySet, JWK } from 'jose';
import { BridgeError } from '../../shared/errors';
import type { SmartSigningAlgorithm } from '../../config/settings';

/** RSA keys smaller than this are refused: SMART and the EHR vendors ask for 2048 bits or more. */
export const MIN_RSA_BITS = 2048;

/** A key pair for SMART Backend Services: the private key for the bridge, the public JWKS for the EHR. */
export interface SigningKey {
  /** PKCS#8 PEM; what `FHIR_PRIVATE_KEY_FILE` points at. */
  privateKeyPem: string;
  algorithm: SmartSigningAlgorithm;
  /** The RFC 7638 thumbprint of the public key: stable for a key, so it is the `kid` (`FHIR_KEY_ID`). */
  keyId: string;
  /** The public key set to register with the EHR. */
  jwks: JSONWebKeySet;
}

/** Makes a new key pair: RSA 2048 for RS384 (the default), P-384 for ES384. */
export async function generateSigningKey(algorithm: SmartSigningAlgorithm = 'RS384'): Promise<SigningKey> {
  const { privateKey } =
    algorithm === 'RS384'
      ? generateKeyPairSync('rsa', { modulusLength: MIN_RSA_BITS })
      : generateKeyPairSync('ec', { namedCurve: 'P-384' });
  return describeKey(privateKey);
}

/**
 * The public JWKS (and kid, algorithm) of an existing private key in PEM (PKCS#8, PKCS#1 or
 * SEC1, unencrypted). Throws config-invalid when it is not such a key, or not one SMART allows.
 */
export async function signingKeyFromPem(pem: string): Promise<SigningKey> {
  let privateKey: KeyObject;
  try {
    privateKey = createPrivateKey(pem);
  } catch {
    throw new BridgeError('config-invalid', 'not a readable unencrypted PEM private key');
  }
  return describeKey(privateKey);
}

async function describeKey(privateKey: KeyObject): Promise<SigningKey> {
  const algorithm = algorithmOf(privateKey);
  const publicJwk = await exportJWK(createPublicKey(privateKey));
  const keyId = await calculateJwkThumbprint(publicJwk, 'sha256');
  const jwk: JWK = { ...publicJwk, kid: keyId, alg: algorithm, use: 'sig' };
  return {
    privateKeyPem: privateKey.export({ type: 'pkcs8', format: 'pem' }).toString(),
    algorithm,
    keyId,
    jwks: { keys: [jwk] },
  };
}

function algorithmOf(key: KeyObject): SmartSigningAlgorithm {
  const details = key.asymmetricKeyDetails;
  if (key.asymmetricKeyType === 'rsa') {
    if ((details?.modulusLength ?? 0) < MIN_RSA_BITS) {
      throw new BridgeError('config-invalid', `RSA key of ${details?.modulusLength} bits: use ${MIN_RSA_BITS} or more`);
    }
    return 'RS384';
  }
  if (key.asymmetricKeyType === 'ec' && details?.namedCurve === 'secp384r1') {
    return 'ES384';
  }
  throw new BridgeError('config-invalid', 'SMART Backend Services needs an RSA key (RS384) or a P-384 EC key (ES384)');
}
