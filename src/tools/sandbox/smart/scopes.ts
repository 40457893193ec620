import type { Interaction } from '../profiles/types';

/** SMART v2 permission letter of each interaction (`c r u d s`). */
const LETTER: Readonly<Record<Interaction, string>> = {
  create: 'c',
  read: 'r',
  update: 'u',
  patch: 'u',
  delete: 'd',
  search: 's',
};

/** SMART v1 permission words, as the v2 letters they stand for. */
const V1_WORDS: Readonly<Record<string, string>> = { read: 'rs', write: 'cud', '*': 'cruds' };

const SYSTEM_SCOPE = /^system\/([A-Za-z]+|\*)\.(read|write|\*|c?r?u?d?s?)$/;

/** The `system/…` scopes of a space-separated list, in SMART v1 or v2 syntax; others are left out. */
export function systemScopes(scopes: string): string[] {
  return scopes.split(/\s+/).filter((scope) => SYSTEM_SCOPE.test(scope) && !scope.endsWith('.'));
}

/** Whether any granted scope allows `interaction` on `resourceType`. */
export function scopesPermit(granted: readonly string[], resourceType: string, interaction: Interaction): boolean {
  return granted.some((scope) => {
    const match = SYSTEM_SCOPE.exec(scope);
    if (!match || (match[1] !== '*' && match[1] !== resourceType)) {
      return false;
    }
    const letters = V1_WORDS[match[2]] ?? match[2];
    return letters.includes(LETTER[interaction]);
  });
}
