/**
 * Timeline keys an expression reads: every `key = '…'` comparison in it, the form that
 * `timeline.where(key='ct_complete').time` and its variants take. Keys with quotes or
 * escapes in them are not found (no Pulsara key has any).
 */
const KEY_COMPARISON = /\bkey\s*(?:=|~)\s*'([^'\\]+)'/g;

export function timelineKeysRead(expression: string | undefined): string[] {
  if (expression === undefined) {
    return [];
  }
  const keys: string[] = [];
  for (const match of expression.matchAll(KEY_COMPARISON)) {
    if (!keys.includes(match[1])) {
      keys.push(match[1]);
    }
  }
  return keys;
}

/** The one key an expression reads, when it reads exactly one (for messages). */
export function onlyKeyRead(expression: string | undefined): string | undefined {
  const keys = timelineKeysRead(expression);
  return keys.length === 1 ? keys[0] : undefined;
}
