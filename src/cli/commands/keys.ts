import { chmodSync, existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import type { Command } from 'commander';
import { InvalidArgumentError } from 'commander';
import { generateSigningKey, signingKeyFromPem } from '../../ehr/auth/signing-keys';
import type { SigningKey } from '../../ehr/auth/signing-keys';
import type { SmartSigningAlgorithm } from '../../config/settings';
import { BridgeError } from '../../shared/errors';
import { jsonText, processIo } from '../output';
import type { CommandIo } from '../output';
import { failAndExit } from '../process-exit';

/** File names inside `keys generate --out DIR`. */
export const PRIVATE_KEY_FILE = 'private-key.pem';
export const JWKS_FILE = 'jwks.json';

export interface GenerateKeysOptions {
  alg: SmartSigningAlgorithm;
  out: string;
  force?: boolean;
}

/**
 * `keys generate`: a new key pair for SMART Backend Services. The private key goes to
 * DIR/private-key.pem (mode 0600; DIR made 0700 when new), the public JWKS to DIR/jwks.json
 * and stdout (the only stdout output, to hand to the EHR team); the settings to use go to
 * stderr. An existing key is kept unless `force`: replacing it breaks the registration made
 * with its public half.
 */
export async function generateKeys(options: GenerateKeysOptions, io: CommandIo = processIo): Promise<SigningKey> {
  const dir = path.resolve(options.out);
  const keyFile = path.join(dir, PRIVATE_KEY_FILE);
  if (existsSync(keyFile) && !options.force) {
    throw new BridgeError(
      'config-invalid',
      `${keyFile} already exists; the EHR may have its public key registered. Pass --force to replace it.`,
    );
  }
  const key = await generateSigningKey(options.alg);
  if (!existsSync(dir)) {
    mkdirSync(dir, { recursive: true, mode: 0o700 });
  }
  writeFileSync(keyFile, key.privateKeyPem, { mode: 0o600 });
  // writeFileSync keeps the mode of a file it replaces (--force).
  chmodSync(keyFile, 0o600);
  writeFileSync(path.join(dir, JWKS_FILE), jsonText(key.jwks), { mode: 0o644 });

  io.out(jsonText(key.jwks));
  io.err(
    [
      `Wrote the private key to ${keyFile} (mode 0600: keep it on the bridge host only)`,
      `and the public key set to ${path.join(dir, JWKS_FILE)} (printed above).`,
      '',
      "Give the JWKS to the EHR team to register with the bridge's backend client (Epic: the",
      "app's JWK Set; Oracle Health: the system account's public keys), then set:",
      '  FHIR_AUTH=smart-backend',
      '  FHIR_CLIENT_ID=<the client id the EHR team gives you>',
      `  FHIR_PRIVATE_KEY_FILE=${keyFile}`,
      `  FHIR_KEY_ID=${key.keyId}`,
      '',
    ].join('\n'),
  );
  return key;
}

/** `keys jwks`: the public JWKS of an existing private key, on stdout. */
export async function printJwks(privateKeyFile: string, io: CommandIo = processIo): Promise<SigningKey> {
  let pem: string;
  try {
    pem = readFileSync(privateKeyFile, 'utf8');
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code ?? 'unreadable';
    throw new BridgeError('config-invalid', `cannot read the private key file ${privateKeyFile} (${code})`);
  }
  let key: SigningKey;
  try {
    key = await signingKeyFromPem(pem);
  } catch (err) {
    throw new BridgeError('config-invalid', `${privateKeyFile}: ${err instanceof Error ? err.message : String(err)}`);
  }
  io.out(jsonText(key.jwks));
  io.err(`FHIR_KEY_ID=${key.keyId} (${key.algorithm})\n`);
  return key;
}

export function registerKeysCommand(program: Command): void {
  const keys = program
    .command('keys')
    .description('key pairs for SMART Backend Services: the public JWKS to register with the EHR');
  keys
    .command('generate')
    .description('make a private key (RS384: RSA 2048, or ES384: P-384) and print its public JWKS')
    .option('--alg <alg>', 'RS384 or ES384', parseAlgorithm, 'RS384')
    .requiredOption('--out <dir>', 'folder for private-key.pem (0600) and jwks.json')
    .option('--force', 'replace an existing private key in that folder')
    .action(async (opts: GenerateKeysOptions) => {
      try {
        await generateKeys(opts);
      } catch (err) {
        failAndExit(err);
      }
    });
  keys
    .command('jwks')
    .description('print the public JWKS of an existing private key')
    .requiredOption('--private-key <file>', 'PEM private key (PKCS#8, PKCS#1 or SEC1, unencrypted)')
    .action(async (opts: { privateKey: string }) => {
      try {
        await printJwks(opts.privateKey);
      } catch (err) {
        failAndExit(err);
      }
    });
}

function parseAlgorithm(value: string): SmartSigningAlgorithm {
  if (value !== 'RS384' && value !== 'ES384') {
    throw new InvalidArgumentError('must be RS384 or ES384');
  }
  return value;
}
