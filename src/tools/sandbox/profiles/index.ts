import { EPIC_PROFILE } from './epic';
import { ORACLE_PROFILE } from './oracle';
import type { SandboxProfileName, VendorProfile } from './types';

export { SANDBOX_PROFILES } from './types';
export type { SandboxProfileName, VendorProfile } from './types';

/**
 * The vendor rules of a profile; undefined for `generic`, which is the sandbox's own strict
 * R4 behaviour (transactions, conditional create, every interaction).
 */
export function vendorProfileOf(name: SandboxProfileName): VendorProfile | undefined {
  switch (name) {
    case 'generic':
      return undefined;
    case 'epic':
      return EPIC_PROFILE;
    case 'oracle':
      return ORACLE_PROFILE;
  }
}
