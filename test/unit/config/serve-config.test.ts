import { mkdtempSync, writeFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { loadServeConfig } from '../../../src/config/serve-config';
import { BridgeError } from '../../../src/shared/errors';

const minimal = {
  PULSARA_API_BASE_URL: 'https://api.pulsara.example',
  PULSARA_API_TOKEN: 'tok',
  PULSARA_WEBHOOK_SECRETS: 'whsec_a, whsec_b',
  FHIR_BASE_URL: 'http://localhost:8090/fhir/',
};

function problemsOf(env: Record<string, string | undefined>): string[] {
  try {
    loadServeConfig(env);
  } catch (err) {
    expect(err).toBeInstanceOf(BridgeError);
    return (err as BridgeError).detail as string[];
  }
  throw new Error('expected a configuration error');
}

describe('loadServeConfig', () => {
  it('applies the documented defaults', () => {
    const config = loadServeConfig(minimal);
    expect(config).toMatchObject({
      port: 8080,
      pulsara: { baseUrl: 'https://api.pulsara.example', tokenHeader: 'x-api-key' },
      webhook: { secrets: ['whsec_a', 'whsec_b'], scheme: 'timestamped', toleranceSeconds: 300 },
      fhir: { baseUrl: 'http://localhost:8090/fhir', auth: { mode: 'none' }, dialect: 'transaction' },
      mappingFile: 'mappings/default.json',
      storeUrl: 'sqlite:./data/bridge.sqlite',
      workerConcurrency: 4,
      logLevel: 'info',
    });
    expect(config.adminToken).toBeUndefined();
    expect(Object.isFrozen(config)).toBe(true);
  });

  it('names every bad variable at once', () => {
    const problems = problemsOf({
      PORT: 'eighty',
      PULSARA_SIGNATURE_SCHEME: 'md5',
      WORKER_CONCURRENCY: '0',
      STORE_URL: 'mysql://x',
      LOG_LEVEL: 'loud',
      FHIR_BASE_URL: 'localhost:8090',
    });
    const names = problems.map((p) => p.split(':')[0]);
    expect(names).toEqual(
      expect.arrayContaining([
        'PORT',
        'PULSARA_API_BASE_URL',
        'PULSARA_API_TOKEN',
        'PULSARA_WEBHOOK_SECRETS',
        'PULSARA_SIGNATURE_SCHEME',
        'WORKER_CONCURRENCY',
        'STORE_URL',
        'LOG_LEVEL',
        'FHIR_BASE_URL',
      ]),
    );
  });

  it('reads secrets from _FILE variables and refuses both forms at once', () => {
    const dir = mkdtempSync(path.join(tmpdir(), 'pfb-config-'));
    try {
      const file = path.join(dir, 'token');
      writeFileSync(file, 'from-file\n');
      const config = loadServeConfig({ ...minimal, PULSARA_API_TOKEN: undefined, PULSARA_API_TOKEN_FILE: file });
      expect(config.pulsara.token).toBe('from-file');
      expect(problemsOf({ ...minimal, PULSARA_API_TOKEN_FILE: file })[0]).toMatch(/^PULSARA_API_TOKEN_FILE: both/);
      expect(
        problemsOf({ ...minimal, PULSARA_API_TOKEN: undefined, PULSARA_API_TOKEN_FILE: path.join(dir, 'missing') })[0],
      ).toMatch(/cannot read the file .*ENOENT/);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  it('leaves unrelated *_FILE variables alone', () => {
    expect(() => loadServeConfig({ ...minimal, TF_CLI_CONFIG_FILE: '/nonexistent/.terraformrc' })).not.toThrow();
  });

  it('never echoes a secret in its messages', () => {
    const problems = problemsOf({
      ...minimal,
      PULSARA_WEBHOOK_SECRETS: ' , ',
      PULSARA_API_TOKEN: 'super-secret-token',
      PORT: 'x',
    });
    expect(problems.join('\n')).not.toContain('super-secret-token');
  });
});
