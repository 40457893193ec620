#!/usr/bin/env node
/*
 * Registers the simulator's sample patient and ED visit in a FHIR server, as a hospital's
 * registration system would before Pulsara's event arrives: Patient with the MRN
 * E4410982, Encounter with the CSN 300018842 linked to it. Conditional creates
 * (If-None-Exist) make it safe to run again. Waits for the server to answer first.
 * Runs from the bridge image (it needs dist/, built by `npm run build`).
 *
 * Environment:
 *   FHIR_BASE_URL         the FHIR R4 base (default http://hapi:8080/fhir)
 *   SEED_TIMEOUT_SECONDS  how long to wait for the server (default 300)
 *   SEED_MRN, SEED_CSN    identifier values (default: the simulator's sample channel)
 *   SEED_MRN_SYSTEM, SEED_CSN_SYSTEM  identifier systems (default: mappings/default.json's)
 */
'use strict';

const base = (process.env.FHIR_BASE_URL || 'http://hapi:8080/fhir').replace(/\/+$/, '');
const timeoutSeconds = Number(process.env.SEED_TIMEOUT_SECONDS || 300);
const mrnSystem = process.env.SEED_MRN_SYSTEM || 'urn:oid:1.2.840.114350.1.13.0.1.7.5.737384.14';
const csnSystem = process.env.SEED_CSN_SYSTEM || 'urn:oid:1.2.840.114350.1.13.0.1.7.3.698084.8';
const mrn = process.env.SEED_MRN || 'E4410982';
const csn = process.env.SEED_CSN || '300018842';

const FHIR_JSON = 'application/fhir+json';
const sleep = (ms) => new Promise((resolve) => setTimeout(resolve, ms));

async function waitForServer() {
  const deadline = Date.now() + timeoutSeconds * 1000;
  let last = 'no answer';
  while (Date.now() < deadline) {
    try {
      const res = await fetch(`${base}/metadata`, { headers: { Accept: FHIR_JSON } });
      await res.arrayBuffer();
      if (res.status === 200) {
        return;
      }
      last = `status ${res.status}`;
    } catch (err) {
      last = err instanceof Error ? err.message : String(err);
    }
    await sleep(2000);
  }
  throw new Error(`${base}/metadata did not answer 200 within ${timeoutSeconds} s (last: ${last})`);
}

async function main() {
  console.log(`waiting for ${base} ...`);
  await waitForServer();
  // The same conditional-create seeding the demo uses against the embedded sandbox.
  const { seedSandbox } = require('../dist/tools/sandbox/seed');
  const { patientId, encounterId } = await seedSandbox(base, { mrnSystem, csnSystem, mrn, csn });
  console.log(`Patient/${patientId} and Encounter/${encounterId} are registered`);
}

main().catch((err) => {
  console.error(`seed: ${err instanceof Error ? err.message : String(err)}`);
  process.exit(1);
});
