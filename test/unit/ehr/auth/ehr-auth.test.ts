import { generateKeyPairSync } from 'node:crypto';
import type { KeyObject } from 'node:crypto';
import { decodeProtectedHeader, jwtVerify } from 'jose';
import { createEhrAuth } from '../../../../src/ehr/auth/create-ehr-auth';
import { createCachedTokenAuth } from '../../../../src/ehr/auth/cached-token-auth';
import { DEFAULTS } from '../../../../src/config/defaults';
import { BridgeError } from '../../../../src/shared/errors';
import { startHttpStub } from '../support/http-stub';
import type { HttpStub } from '../support/http-stub';

interface TokenCall {
  authorization?: string;
  form: Record<string, string>;
}

describe('EHR auth modes', () => {
  const stubs: HttpStub[] = [];
  afterEach(async () => {
    await Promise.all(stubs.splice(0).map((s) => s.close()));
  });

  it('none sends no headers; bearer sends the static token', async () => {
    expect(await createEhrAuth({ mode: 'none' }).headers()).toEqual({});
    expect(await createEhrAuth({ mode: 'bearer', token: 'static-123' }).headers()).toEqual({
      Authorization: 'Bearer static-123',
    });
  });

  describe('client-credentials', () => {
    async function tokenServer(
      answer: (call: TokenCall, n: number) => [number, unknown],
    ): Promise<{ stub: HttpStub; calls: TokenCall[] }> {
      const calls: TokenCall[] = [];
      const stub = await startHttpStub((app) => {
        app.post('/oauth/token', (req, res) => {
          const call = { authorization: req.headers.authorization, form: req.body as Record<string, string> };
          calls.push(call);
          const [status, body] = answer(call, calls.length);
          res.status(status).json(body);
        });
      });
      stubs.push(stub);
      return { stub, calls };
    }

    it('posts client_credentials with Basic auth and scopes, and caches the token', async () => {
      const { stub, calls } = await tokenServer((_call, n) => [
        200,
        { access_token: `tok-${n}`, token_type: 'Bearer', expires_in: 3600 },
      ]);
      const auth = createEhrAuth({
        mode: 'client-credentials',
        tokenUrl: `${stub.url}/oauth/token`,
        clientId: 'bridge',
        clientSecret: 's3cret',
        scopes: 'system/*.rs',
      });

      expect(await auth.headers()).toEqual({ Authorization: 'Bearer tok-1' });
      expect(await auth.headers()).toEqual({ Authorization: 'Bearer tok-1' });
      expect(calls).toHaveLength(1);
      expect(calls[0].authorization).toBe(`Basic ${Buffer.from('bridge:s3cret').toString('base64')}`);
      expect(calls[0].form).toEqual({ grant_type: 'client_credentials', scope: 'system/*.rs' });

      auth.invalidate();
      expect(await auth.headers()).toEqual({ Authorization: 'Bearer tok-2' });
    });

    it('shares one token fetch between concurrent callers', async () => {
      const { stub, calls } = await tokenServer((_call, n) => [200, { access_token: `tok-${n}`, expires_in: 3600 }]);
      const auth = createEhrAuth({
        mode: 'client-credentials',
        tokenUrl: `${stub.url}/oauth/token`,
        clientId: 'bridge',
        clientSecret: 'x',
      });
      const all = await Promise.all([auth.headers(), auth.headers(), auth.headers()]);
      expect(new Set(all.map((h) => h.Authorization))).toEqual(new Set(['Bearer tok-1']));
      expect(calls).toHaveLength(1);
    });

    it('a refused grant is a permanent ehr-auth naming the OAuth error; a 503 is retryable', async () => {
      const { stub } = await tokenServer(() => [401, { error: 'invalid_client', error_description: 'unknown client' }]);
      const refused = createEhrAuth({
        mode: 'client-credentials',
        tokenUrl: `${stub.url}/oauth/token`,
        clientId: 'bridge',
        clientSecret: 'wrong',
      });
      const err = (await refused.headers().catch((e: unknown) => e)) as BridgeError;
      expect(err).toBeInstanceOf(BridgeError);
      expect(err.code).toBe('ehr-auth');
      expect(err.retryable).toBe(false);
      expect(err.message).toContain('invalid_client');
      expect(err.message).not.toContain('wrong');

      const down = await tokenServer(() => [503, {}]);
      const unavailable = createEhrAuth({
        mode: 'client-credentials',
        tokenUrl: `${down.stub.url}/oauth/token`,
        clientId: 'bridge',
        clientSecret: 'x',
      });
      await expect(unavailable.headers()).rejects.toMatchObject({ code: 'ehr-unavailable', schedule: 'backoff' });
    });
  });

  describe('token cache', () => {
    it('renews expires_in minus the margin, and halves the margin for short-lived tokens', async () => {
      let clock = 1_000_000;
      let fetches = 0;
      const auth = createCachedTokenAuth(async () => ({ accessToken: `t${++fetches}`, expiresIn: 100 }), {
        marginSeconds: 60,
        now: () => clock,
      });
      await auth.headers();
      clock += 49_000;
      expect((await auth.headers()).Authorization).toBe('Bearer t1');
      clock += 2_000; // 51 s: past 100 s minus a margin of 50 s
      expect((await auth.headers()).Authorization).toBe('Bearer t2');
      expect(fetches).toBe(2);
    });
  });

  describe('smart-backend', () => {
    const rsa = generateKeyPairSync('rsa', { modulusLength: 2048 });
    const ec = generateKeyPairSync('ec', { namedCurve: 'P-384' });
    const pem = (key: KeyObject): string => key.export({ type: 'pkcs8', format: 'pem' }).toString();

    async function smartServer(
      publicKey: KeyObject,
      expectedAlg: string,
    ): Promise<{ stub: HttpStub; calls: TokenCall[]; problems: string[] }> {
      const calls: TokenCall[] = [];
      const problems: string[] = [];
      const stub = await startHttpStub((app, url) => {
        app.get('/fhir/.well-known/smart-configuration', (_req, res) => {
          res.json({
            token_endpoint: `${url()}/auth/token`,
            token_endpoint_auth_methods_supported: ['private_key_jwt'],
          });
        });
        app.post('/auth/token', async (req, res) => {
          const form = req.body as Record<string, string>;
          calls.push({ authorization: req.headers.authorization, form });
          try {
            const header = decodeProtectedHeader(form.client_assertion);
            const { payload } = await jwtVerify(form.client_assertion, publicKey, {
              algorithms: [expectedAlg],
              audience: `${url()}/auth/token`,
              issuer: 'bridge-client',
              subject: 'bridge-client',
            });
            if (header.kid !== 'key-1') problems.push(`kid ${String(header.kid)}`);
            if (typeof payload.jti !== 'string' || payload.jti.length < 16) problems.push('jti');
            if (payload.exp === undefined || payload.exp - Math.floor(Date.now() / 1000) > 300)
              problems.push('exp more than 300 s ahead');
          } catch (err) {
            problems.push(`jwt: ${(err as Error).message}`);
          }
          if (form.client_assertion_type !== 'urn:ietf:params:oauth:client-assertion-type:jwt-bearer')
            problems.push('client_assertion_type');
          if (form.grant_type !== 'client_credentials') problems.push('grant_type');
          res.json({ access_token: `smart-${calls.length}`, token_type: 'bearer', expires_in: 300, scope: form.scope });
        });
      });
      stubs.push(stub);
      return { stub, calls, problems };
    }

    it('discovers the token endpoint and signs an RS384 assertion the server can verify', async () => {
      const { stub, calls, problems } = await smartServer(rsa.publicKey, 'RS384');
      const auth = createEhrAuth({
        mode: 'smart-backend',
        fhirBaseUrl: `${stub.url}/fhir`,
        clientId: 'bridge-client',
        privateKeyPem: pem(rsa.privateKey),
        keyId: 'key-1',
        algorithm: 'RS384',
        scopes: DEFAULTS.fhir.smartScopes,
      });

      expect(await auth.headers()).toEqual({ Authorization: 'Bearer smart-1' });
      expect(problems).toEqual([]);
      expect(calls[0].form.scope).toBe(
        'system/Patient.rs system/Encounter.rs system/DocumentReference.cu system/Observation.cu',
      );
      expect(calls[0].authorization).toBeUndefined();
    });

    it('signs ES384 with a configured token URL, with a fresh jti per assertion', async () => {
      const { stub, calls, problems } = await smartServer(ec.publicKey, 'ES384');
      const auth = createEhrAuth({
        mode: 'smart-backend',
        fhirBaseUrl: 'http://127.0.0.1:9/unused',
        tokenUrl: `${stub.url}/auth/token`,
        clientId: 'bridge-client',
        privateKeyPem: pem(ec.privateKey),
        keyId: 'key-1',
        algorithm: 'ES384',
        scopes: 'system/Observation.cu',
      });

      await auth.headers();
      auth.invalidate();
      await auth.headers();
      expect(problems).toEqual([]);
      expect(calls.map((c) => c.form.scope)).toEqual(['system/Observation.cu', 'system/Observation.cu']);
      const jtis = await Promise.all(
        calls.map(
          async (c) => (await jwtVerify(c.form.client_assertion, ec.publicKey, { algorithms: ['ES384'] })).payload.jti,
        ),
      );
      expect(jtis[0]).not.toBe(jtis[1]);
    });

    it('a server whose smart-configuration lacks token_endpoint is a permanent ehr-auth', async () => {
      const stub = await startHttpStub((app) => {
        app.get('/fhir/.well-known/smart-configuration', (_req, res) => {
          res.json({ capabilities: [] });
        });
      });
      stubs.push(stub);
      const auth = createEhrAuth({
        mode: 'smart-backend',
        fhirBaseUrl: `${stub.url}/fhir`,
        clientId: 'c',
        privateKeyPem: pem(rsa.privateKey),
        keyId: 'k',
        algorithm: 'RS384',
        scopes: 's',
      });
      await expect(auth.headers()).rejects.toMatchObject({
        code: 'ehr-auth',
        schedule: 'none',
        message: expect.stringContaining('FHIR_TOKEN_URL'),
      });
    });
  });
});
