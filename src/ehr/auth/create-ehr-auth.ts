import { createClientCredentialsAuth } from './client-credentials-auth';
import { createSmartBackendAuth } from './smart-backend-auth';
import { createBearerAuth, createNoAuth } from './static-auth';
import type { EhrAuthConfig } from '../../config/settings';
import type { EhrAuth } from './types';

/** Builds the EhrAuth for a parsed `FHIR_AUTH` configuration. */
export function createEhrAuth(config: EhrAuthConfig): EhrAuth {
  switch (config.mode) {
    case 'none':
      return createNoAuth();
    case 'bearer':
      return createBearerAuth(config.token);
    case 'client-credentials':
      return createClientCredentialsAuth(config);
    case 'smart-backend':
      return createSmartBackendAuth(config);
  }
}
