import { createClientCredentialsAuth } from './client-credentials-auth';
import { createSmartBackendAuth } from './smart-backend-auth';
import { createBearerAuth, createNoAuth } from './static-auth';
import type { EhrAuthConfig } from '../../config/settings';
import type { EhrAuth } from './types';
import type { EhrTransport } from '../transport';

/** Builds the EhrAuth for a parsed `FHIR_AUTH` configuration; token calls go through `transport`. */
export function createEhrAuth(config: EhrAuthConfig, transport: EhrTransport = {}): EhrAuth {
  switch (config.mode) {
    case 'none':
      return createNoAuth();
    case 'bearer':
      return createBearerAuth(config.token);
    case 'client-credentials':
      return createClientCredentialsAuth(config, undefined, transport);
    case 'smart-backend':
      return createSmartBackendAuth(config, undefined, transport);
  }
}
