#!/usr/bin/env node
/*
 * Registers the simulator's sample patient and ED visit in a FHIR server, as a hospital's
 * registration system would before Pulsara's event arrives: Patient with the MRN
 * E4410982, Encounter with the CSN 300018842 linked to it. Conditional creates
 * (If-None-Exist) make it safe to run again. Waits for the server to answer first.
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

/** Creates the resource unless one with identifier=system|value exists; returns its id. */
async function conditionalCreate(resource, system, value) {
  const res = await fetch(`${base}/${resource.resourceType}`, {
    method: 'POST',
    headers: { 'Content-Type': FHIR_JSON, Accept: FHIR_JSON, 'If-None-Exist': `identifier=${system}|${value}` },
    body: JSON.stringify(resource),
  });
  const body = await res.json().catch(() => undefined);
  if ((res.status !== 200 && res.status !== 201) || !body || !body.id) {
    throw new Error(`creating the ${resource.resourceType} answered ${res.status}: ${JSON.stringify(body).slice(0, 500)}`);
  }
  console.log(`${resource.resourceType}/${body.id} ${res.status === 201 ? 'created' : 'already there'}`);
  return body.id;
}

async function main() {
  console.log(`waiting for ${base} ...`);
  await waitForServer();
  const patientId = await conditionalCreate(
    {
      resourceType: 'Patient',
      identifier: [
        {
          use: 'usual',
          type: { coding: [{ system: 'http://terminology.hl7.org/CodeSystem/v2-0203', code: 'MR', display: 'Medical record number' }] },
          system: mrnSystem,
          value: mrn,
        },
      ],
      name: [{ use: 'official', family: 'Ruiz', given: ['Ana'] }],
      gender: 'female',
      birthDate: '1951-04-09',
    },
    mrnSystem,
    mrn,
  );
  await conditionalCreate(
    {
      resourceType: 'Encounter',
      identifier: [{ use: 'usual', system: csnSystem, value: csn }],
      status: 'in-progress',
      class: { system: 'http://terminology.hl7.org/CodeSystem/v3-ActCode', code: 'EMER', display: 'emergency' },
      subject: { reference: `Patient/${patientId}` },
      period: { start: '2026-11-25T19:02:40Z' },
    },
    csnSystem,
    csn,
  );
}

main().catch((err) => {
  console.error(`seed: ${err instanceof Error ? err.message : String(err)}`);
  process.exit(1);
});
