/** SMART Backend Services for the sandbox: a token endpoint and a bearer-token guard. */
export { SmartAuthority, JWT_BEARER } from './smart-authority';
export type { SmartCounters, SmartOptions } from './smart-authority';
export type { SmartClient } from './client-assertion';
export { MAX_ASSERTION_SECONDS } from './client-assertion';
export { mountSmart, TOKEN_PATH } from './smart-routes';
