import { createHmac } from 'node:crypto';
import type { AddressInfo } from 'node:net';
import type { Server } from 'node:http';
import { Command } from 'commander';
import express from 'express';
import { registerSimulatorCommand } from '../../src/cli/commands/simulator';
import type { SimulatorCommandDeps } from '../../src/cli/commands/simulator';

const SECRET = 'whsec_cli_test';

interface Harness {
  program: Command;
  output: string[];
  /** Resolves with the first text the command prints. */
  firstOutput: Promise<string>;
  exitCodes: number[];
  stop: (signal: string) => void;
}

function harness(env: NodeJS.ProcessEnv = {}): Harness {
  const output: string[] = [];
  const exitCodes: number[] = [];
  let stop: (signal: string) => void = () => undefined;
  let printed: (text: string) => void = () => undefined;
  const firstOutput = new Promise<string>((resolve) => (printed = resolve));
  const deps: SimulatorCommandDeps = {
    env: { LOG_LEVEL: 'error', ...env },
    out: (text) => {
      output.push(text);
      printed(text);
    },
    setExitCode: (code) => exitCodes.push(code),
    waitForStop: () => new Promise((resolve) => (stop = resolve)),
  };
  const program = new Command().exitOverride();
  registerSimulatorCommand(program, deps);
  return { program, output, firstOutput, exitCodes, stop: (signal) => stop(signal) };
}

describe('simulator command', () => {
  it('serves the API on the given port with the token from the environment, until stopped', async () => {
    const h = harness({ PULSARA_API_TOKEN: 'env-token' });
    const running = h.program.parseAsync(['node', 'cli', 'simulator', '--port', '0']);
    // The command prints its URL once it listens; if it failed first, `running` rejects.
    const baseUrl = (await Promise.race([h.firstOutput, running.then(() => 'exited without printing')])).trim();
    expect(baseUrl).toMatch(/^http:\/\/127\.0\.0\.1:\d+$/);
    const url = `${baseUrl}/api/v1/patient-channels/pc_7f3a9c21`;
    expect((await fetch(url, { headers: { 'x-api-key': 'env-token' } })).status).toBe(200);
    expect((await fetch(url, { headers: { 'x-api-key': 'sim-token' } })).status).toBe(401);
    h.stop('SIGINT');
    await running;
    await expect(fetch(url)).rejects.toThrow();
  });
});

describe('simulator send', () => {
  let server: Server;
  let url: string;
  const received: { raw: string; signature: string }[] = [];

  beforeAll(async () => {
    const app = express();
    app.post('/webhooks/pulsara', express.raw({ type: 'application/json' }), (req, res) => {
      const raw = (req.body as Buffer).toString('utf8');
      const signature = req.get('pulsara-signature') ?? '';
      received.push({ raw, signature });
      const [, t, v1] = /^t=(\d+),v1=([0-9a-f]+)$/.exec(signature) ?? [];
      const ok = v1 === createHmac('sha256', SECRET).update(`${t}.${raw}`).digest('hex');
      res.status(ok ? 202 : 401).json({ ok });
    });
    server = await new Promise<Server>((resolve) => {
      const s = app.listen(0, '127.0.0.1', () => resolve(s));
    });
    url = `http://127.0.0.1:${(server.address() as AddressInfo).port}/webhooks/pulsara`;
  });
  afterAll(async () => {
    await new Promise<void>((resolve) => server.close(() => resolve()));
  });

  it('signs with the first secret of PULSARA_WEBHOOK_SECRETS and reports a 2xx as exit 0', async () => {
    const h = harness({ PULSARA_WEBHOOK_SECRETS: ` ${SECRET} ,other` });
    await h.program.parseAsync([
      'node',
      'cli',
      'simulator',
      'send',
      '--url',
      url,
      '--identifier-name',
      'CSN',
      '--type',
      'created',
      '--event-id',
      'evt_CLI1',
    ]);
    expect(h.exitCodes).toEqual([0]);
    expect(h.output.join('')).toContain('HTTP 202\n{"ok":true}\n');
    const event = JSON.parse(received[received.length - 1].raw) as Record<string, unknown>;
    expect(event).toMatchObject({
      id: 'evt_CLI1',
      type: 'patient_channel.identifier.created',
      data: { patient_channel_id: 'pc_7f3a9c21', identifier: { id: 'cid_502', name: 'CSN', category: 'hospital' } },
    });
  });

  it('sends a bad signature on request and exits 1 on the 401', async () => {
    const h = harness();
    await h.program.parseAsync([
      'node',
      'cli',
      'simulator',
      'send',
      '--url',
      url,
      '--secret',
      SECRET,
      '--bad-signature',
    ]);
    expect(h.exitCodes).toEqual([1]);
    expect(h.output.join('')).toContain('HTTP 401');
  });

  it('uses the plain scheme from the environment', async () => {
    const h = harness({ PULSARA_SIGNATURE_SCHEME: 'hmac-sha256' });
    await h.program.parseAsync(['node', 'cli', 'simulator', 'send', '--url', url, '--secret', SECRET]);
    const last = received[received.length - 1];
    expect(last.signature).toBe(createHmac('sha256', SECRET).update(last.raw).digest('hex'));
  });

  it('fails clearly without a secret, with a bad scheme, or when nothing listens', async () => {
    await expect(harness().program.parseAsync(['node', 'cli', 'simulator', 'send', '--url', url])).rejects.toThrow(
      'PULSARA_WEBHOOK_SECRETS',
    );
    await expect(
      harness().program.parseAsync([
        'node',
        'cli',
        'simulator',
        'send',
        '--url',
        url,
        '--secret',
        's',
        '--scheme',
        'md5',
      ]),
    ).rejects.toThrow('unknown signature scheme');
    await expect(
      harness().program.parseAsync([
        'node',
        'cli',
        'simulator',
        'send',
        '--url',
        'http://127.0.0.1:1/webhooks/pulsara',
        '--secret',
        's',
      ]),
    ).rejects.toThrow('could not reach');
  });
});
