#!/usr/bin/env node
// Webhook intake throughput: the full intake (signature check + durable SQLite commit + 202)
// against a baseline in the same run (express answering 202 without work), so the figure is
// a ratio that means something on any machine. Loopback only; bounded in count and time.
// Usage: npm run bench [-- --requests 4000 --concurrency 32]
'use strict';
const http = require('node:http');
const path = require('node:path');
const { mkdtempSync, rmSync } = require('node:fs');
const { tmpdir } = require('node:os');
const express = require('express');

const dist = path.join(__dirname, '..', 'dist');
const { createBridgeApp } = require(path.join(dist, 'server', 'app'));
const { createMetrics } = require(path.join(dist, 'server', 'metrics'));
const { openStore } = require(path.join(dist, 'store', 'open-store'));
const { silentLogger } = require(path.join(dist, 'shared', 'logger'));
const { signWebhook, buildIdentifierEvent } = require(path.join(dist, 'tools', 'simulator'));

function arg(name, fallback) {
  const i = process.argv.indexOf(`--${name}`);
  return i > 0 ? Number(process.argv[i + 1]) : fallback;
}
const REQUESTS = arg('requests', 3000);
const CONCURRENCY = arg('concurrency', 32);
const SECRET = 'whsec_bench';

function listen(app) {
  return new Promise((resolve) => {
    const server = app.listen(0, '127.0.0.1', () => resolve(server));
  });
}

async function load(port, bodies) {
  const agent = new http.Agent({ keepAlive: true, maxSockets: CONCURRENCY });
  let next = 0;
  const statuses = {};
  const started = process.hrtime.bigint();
  const deadline = Date.now() + 120000;
  async function worker() {
    while (next < bodies.length && Date.now() < deadline) {
      const { body, signature } = bodies[next++];
      const status = await new Promise((resolve, reject) => {
        const req = http.request(
          {
            host: '127.0.0.1',
            port,
            method: 'POST',
            path: '/webhooks/pulsara',
            agent,
            headers: {
              'Content-Type': 'application/json',
              'Content-Length': Buffer.byteLength(body),
              'Pulsara-Signature': signature,
            },
          },
          (res) => {
            res.resume();
            res.on('end', () => resolve(res.statusCode));
          },
        );
        req.on('error', reject);
        req.end(body);
      });
      statuses[status] = (statuses[status] ?? 0) + 1;
    }
  }
  await Promise.all(Array.from({ length: CONCURRENCY }, worker));
  const seconds = Number(process.hrtime.bigint() - started) / 1e9;
  agent.destroy();
  return { rps: next / seconds, statuses };
}

function makeBodies(n) {
  return Array.from({ length: n }, (_, i) => {
    const body = JSON.stringify(
      buildIdentifierEvent({ channelId: `pc_bench_${i % 50}`, identifier: { id: 'cid_501', name: 'MRN' } }),
    );
    return { body, signature: signWebhook(body, SECRET, 'timestamped') };
  });
}

async function main() {
  const baselineApp = express();
  baselineApp.post('/webhooks/pulsara', express.raw({ type: () => true, limit: '1mb' }), (_req, res) =>
    res.status(202).json({ ok: true }),
  );
  const baseline = await listen(baselineApp);
  const base = await load(baseline.address().port, makeBodies(REQUESTS));
  baseline.close();

  const dir = mkdtempSync(path.join(tmpdir(), 'pfb-bench-'));
  const store = await openStore(`sqlite:${path.join(dir, 'bench.sqlite')}`);
  await store.init();
  const app = createBridgeApp({
    store,
    logger: silentLogger(),
    metrics: createMetrics(store),
    signature: { scheme: 'timestamped', secrets: [SECRET], toleranceSeconds: 300 },
    triggers: {
      events: ['patient_channel.identifier.created', 'patient_channel.identifier.updated'],
      identifierNames: ['MRN', 'CSN'],
    },
    fhirCheck: async () => ({}),
  });
  const server = await listen(app);
  const intake = await load(server.address().port, makeBodies(REQUESTS));
  server.close();
  const stored = (await store.countByStatus()).pending;
  await store.close();
  rmSync(dir, { recursive: true, force: true });

  console.log(`requests ${REQUESTS}, concurrency ${CONCURRENCY}`);
  console.log(
    `baseline  express 202, no work      ${base.rps.toFixed(0).padStart(7)} req/s  ${JSON.stringify(base.statuses)}`,
  );
  console.log(
    `intake    signature + SQLite commit ${intake.rps.toFixed(0).padStart(7)} req/s  ${JSON.stringify(intake.statuses)}  stored ${stored}`,
  );
  console.log(`ratio     intake / baseline          ${(intake.rps / base.rps).toFixed(2)}`);
}

main().catch((err) => {
  console.error(err);
  process.exit(1);
});
