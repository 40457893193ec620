import express from 'express';
import type { Request, RequestHandler, Response } from 'express';
import type { OperationOutcome } from '@medplum/fhirtypes';
import type { HttpMethod } from '@medplum/fhir-router';
import { interactionOf } from '../interactions';
import type { SmartAuthority } from './smart-authority';

/** Where the sandbox's token endpoint listens (as Epic's, under the server root). */
export const TOKEN_PATH = '/oauth2/token';

/** FHIR paths anyone may read: how to connect must be learnt before holding a token. */
const PUBLIC_PATHS = new Set(['/metadata', '/.well-known/smart-configuration']);

/** The token endpoint URL as a client that reached this request's host sees it. */
export function tokenUrlOf(req: Request): string {
  return `${req.protocol}://${req.get('host') ?? 'localhost'}${TOKEN_PATH}`;
}

/**
 * Mounts SMART Backend Services on the sandbox: discovery under the FHIR base, the token
 * endpoint, and the bearer-token guard in front of every other FHIR request.
 */
export function mountSmart(app: express.Express, fhirBasePath: string, authority: SmartAuthority): void {
  app.get(`${fhirBasePath}/.well-known/smart-configuration`, (req, res) => {
    res.json({
      token_endpoint: tokenUrlOf(req),
      token_endpoint_auth_methods_supported: ['private_key_jwt'],
      token_endpoint_auth_signing_alg_values_supported: ['RS384', 'ES384'],
      grant_types_supported: ['client_credentials'],
      scopes_supported: ['system/*.read', 'system/*.write', 'system/*.rs', 'system/*.cu'],
      capabilities: ['client-confidential-asymmetric'],
    });
  });
  app.post(TOKEN_PATH, express.urlencoded({ extended: false, limit: '64kb' }), (req, res, next) => {
    authority
      .grant((req.body ?? {}) as Record<string, unknown>, tokenUrlOf(req))
      .then((answer) => {
        res.status(answer.status).set({ 'Cache-Control': 'no-store', Pragma: 'no-cache' }).json(answer.body);
      })
      .catch(next);
  });
  app.use(fhirBasePath, bearerGuard(authority));
}

function bearerGuard(authority: SmartAuthority): RequestHandler {
  return (req: Request, res: Response, next) => {
    if (PUBLIC_PATHS.has(req.path)) {
      next();
      return;
    }
    const segments = req.path.split('/').filter(Boolean);
    const interaction = interactionOf(req.method as HttpMethod, segments);
    const verdict = authority.checkBearer(req.headers.authorization, segments[0], interaction);
    if (verdict.ok) {
      next();
      return;
    }
    const outcome: OperationOutcome = {
      resourceType: 'OperationOutcome',
      issue: [
        {
          severity: 'error',
          code: verdict.status === 401 ? 'login' : 'forbidden',
          details: { text: verdict.description },
        },
      ],
    };
    res
      .status(verdict.status)
      .set(
        'WWW-Authenticate',
        `Bearer realm="pulsara-fhir-bridge sandbox", error="${verdict.error}", error_description="${verdict.description}"`,
      )
      .type('application/fhir+json')
      .send(JSON.stringify(outcome));
  };
}
