import { existsSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import type { JSONWebKeySet } from 'jose';
import { seedOrganization, seedSandbox, startSandbox } from '../sandbox';
import type { RunningSandbox, SeededSubject } from '../sandbox';
import type { SimulatorState } from '../simulator';
import type { RunningBridge } from '../../bridge';
import { EHR_DIALECTS } from '../../config/settings';
import { PACKAGE_ROOT } from '../../config/mapping-path';
import { BridgeError } from '../../shared/errors';

/** The vendor EHRs the demo can play, each with its sandbox profile, dialect and mapping of the same name. */
export type DemoEhr = 'epic' | 'oracle';
export const DEMO_EHRS: readonly DemoEhr[] = ['epic', 'oracle'];

/** The client id under which the demo registers the bridge with the emulated EHR. */
export const DEMO_CLIENT_ID = 'pulsara-fhir-bridge-demo';

/** A key pair made for one demo run (the CLI makes it as `keys generate` does). */
export interface DemoSigningKey {
  privateKeyPem: string;
  keyId: string;
  jwks: JSONWebKeySet;
}

export interface DemoEhrOptions {
  ehr?: DemoEhr;
  signingKey?: DemoSigningKey;
  keepRunning: boolean;
  /** The demo's scratch folder (the private key is written there, 0600). */
  dataDir: string;
}

export interface DemoEhrSetup {
  sandbox: RunningSandbox;
  /** The `serve` variables that point the bridge at this EHR: base, dialect, mapping, SMART auth. */
  env: Record<string, string>;
  /** One line on how the bridge connects, for the demo's output. */
  connection: string;
}

/** How the mapping in force finds the patient and the visit. */
type SubjectLookup = Pick<RunningBridge['mapping'], 'patient' | 'encounter'>;

/** The mapping shipped for an EHR's dialect. */
export function demoMappingFile(ehr: DemoEhr | undefined): string {
  return path.join(PACKAGE_ROOT, 'mappings', `${ehr ?? 'default'}.json`);
}

/**
 * Whether this build can run `demo --ehr <ehr>`: it needs the bridge's dialect of that
 * name and its shipped mapping. Throws a config-invalid error saying which is missing.
 */
export function assertDemoEhrAvailable(ehr: DemoEhr): void {
  const missing = [
    ...((EHR_DIALECTS as readonly string[]).includes(ehr) ? [] : [`the ${ehr} write dialect (FHIR_DIALECT=${ehr})`]),
    ...(existsSync(demoMappingFile(ehr)) ? [] : [`mappings/${ehr}.json`]),
  ];
  if (missing.length > 0) {
    throw new BridgeError(
      'config-invalid',
      `demo --ehr ${ehr} is not available yet: this build lacks ${missing.join(' and ')}. ` +
        `Try the ${ehr} emulator alone with: pulsara-fhir-bridge sandbox --profile ${ehr} --seed`,
    );
  }
}

/**
 * Starts the demo's EHR: the generic sandbox as today, or the epic/oracle emulator with a
 * SMART token endpoint where the demo's key is registered, so that the bridge connects as
 * it would to that vendor (token endpoint discovered, bearer token on every call).
 */
export async function startDemoEhr(options: DemoEhrOptions): Promise<DemoEhrSetup> {
  const port = options.keepRunning ? 8090 : 0;
  if (!options.ehr) {
    const sandbox = await startSandbox({ port, host: '127.0.0.1' });
    return {
      sandbox,
      env: { FHIR_BASE_URL: sandbox.baseUrl, MAPPING_FILE: demoMappingFile(undefined) },
      connection: 'no authentication (FHIR_AUTH=none), transaction dialect',
    };
  }
  const key = options.signingKey;
  if (!key) {
    throw new BridgeError('internal', `demo --ehr ${options.ehr} needs a signing key`);
  }
  const sandbox = await startSandbox({
    port,
    host: '127.0.0.1',
    profile: options.ehr,
    smart: { clients: [{ clientId: DEMO_CLIENT_ID, jwks: key.jwks }] },
  });
  // The site's Organization: Oracle names it in Provenance and as a vital sign's performer.
  const organizationId =
    options.ehr === 'oracle' ? await seedOrganization(sandbox.repo, 'Pulsara FHIR bridge') : undefined;
  const keyFile = path.join(options.dataDir, 'private-key.pem');
  writeFileSync(keyFile, key.privateKeyPem, { mode: 0o600 });
  return {
    sandbox,
    env: {
      FHIR_BASE_URL: sandbox.baseUrl,
      FHIR_DIALECT: options.ehr,
      MAPPING_FILE: demoMappingFile(options.ehr),
      FHIR_AUTH: 'smart-backend',
      FHIR_CLIENT_ID: DEMO_CLIENT_ID,
      FHIR_KEY_ID: key.keyId,
      FHIR_PRIVATE_KEY_FILE: keyFile,
      ...(organizationId ? { BRIDGE_ORGANIZATION: `Organization/${organizationId}` } : {}),
    },
    connection: `SMART Backend Services as client ${DEMO_CLIENT_ID} (key ${key.keyId}), ${options.ehr} dialect`,
  };
}

/**
 * Registers the channel's patient and visit in the EHR under the identifier systems of the
 * mapping in force, as the hospital's registration would have. When the channel has no
 * identifier of the name the mapping reads the visit from (Oracle's FIN where the sample
 * channel has a CSN), the channel's CSN value is entered under that name too, as a user
 * would type it in Pulsara.
 */
export async function registerDemoSubject(
  sandbox: RunningSandbox,
  simulator: SimulatorState,
  channelId: string,
  lookup: SubjectLookup,
): Promise<SeededSubject> {
  const channel = simulator.channels.get(channelId);
  const valueOf = (name: string): string | undefined =>
    channel?.identifiers?.find((identifier) => identifier.name === name)?.value ?? undefined;
  const mrn = valueOf(lookup.patient.identifierName);
  const visitName = lookup.encounter?.identifierName ?? 'CSN';
  let visit = valueOf(visitName);
  if (channel && visit === undefined) {
    visit = valueOf('CSN');
    channel.identifiers = [
      ...(channel.identifiers ?? []),
      { id: 'cid_demo_visit', name: visitName, category: 'hospital', value: visit ?? null },
    ];
  }
  // Over HTTP on the generic sandbox (as a client would); through the store on a vendor emulator.
  return seedSandbox(sandbox.profile === 'generic' ? sandbox.baseUrl : sandbox.repo, {
    mrnSystem: lookup.patient.system,
    mrn,
    csnSystem: lookup.encounter?.system,
    csn: visit ?? undefined,
  });
}
