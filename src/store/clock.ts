/**
 * A store's time source. Every ledger time an adapter writes or compares (updated_at,
 * lease expiry, due retries, the lease fence) comes from it, never from the database
 * server, so that tests can drive time with a fake clock instead of sleeping.
 */
export type Clock = () => Date;

/** The process clock: what every store uses unless a test injects another. */
export const systemClock: Clock = () => new Date();
