/** The durable store: the port, its two adapters and the STORE_URL factory. */
export * from './types';
export { openStore, parseStoreUrl } from './open-store';
export type { OpenStoreOptions, StoreLocation } from './open-store';
export { SqliteDeliveryStore } from './sqlite-store';
export type { SqliteStoreOptions } from './sqlite-store';
export { PostgresDeliveryStore, DELIVERY_QUEUE } from './postgres-store';
export type { PostgresStoreOptions } from './postgres-store';
export { newDeliveryId } from './delivery-id';
