import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import Database from 'better-sqlite3';
import { SqliteDeliveryStore } from '../../../src/store/sqlite-store';
import { SQLITE_SCHEMA_VERSION } from '../../../src/store/sqlite-schema';
import type { Clock } from '../../../src/store/clock';
import type { DeliveryStore } from '../../../src/store/types';
import { describeStoreContract, expectStoreUnavailable, makeEvent } from './store-contract';
import type { StoreHarness } from './store-contract';

function fileHarness(clock: Clock): StoreHarness {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'pfb-sqlite-'));
  const filename = path.join(dir, 'data', 'bridge.sqlite');
  const opened: DeliveryStore[] = [];
  const openOne = async (): Promise<DeliveryStore> => {
    const store = new SqliteDeliveryStore({ filename, clock });
    opened.push(store);
    await store.init();
    return store;
  };
  return {
    open: openOne,
    openSibling: openOne,
    async dispose() {
      await Promise.all(opened.map((store) => store.close()));
      fs.rmSync(dir, { recursive: true, force: true });
    },
  };
}

describeStoreContract('SQLite file', fileHarness);

describe('SqliteDeliveryStore', () => {
  let dir: string;

  beforeEach(() => {
    dir = fs.mkdtempSync(path.join(os.tmpdir(), 'pfb-sqlite-'));
  });

  afterEach(() => {
    fs.rmSync(dir, { recursive: true, force: true });
  });

  it('creates the data folder, uses WAL with full sync and records the schema version', async () => {
    const filename = path.join(dir, 'nested', 'data', 'bridge.sqlite');
    const store = new SqliteDeliveryStore({ filename });
    await store.init();
    await store.recordEvent(makeEvent('ch-1'));
    await store.close();

    const db = new Database(filename, { readonly: true });
    try {
      expect(db.pragma('journal_mode', { simple: true })).toBe('wal');
      expect(db.pragma('user_version', { simple: true })).toBe(SQLITE_SCHEMA_VERSION);
      expect(db.prepare('SELECT COUNT(*) AS n FROM deliveries').get()).toEqual({ n: 1 });
    } finally {
      db.close();
    }
  });

  it('keeps working in memory for tests', async () => {
    const store = new SqliteDeliveryStore({ filename: ':memory:' });
    await store.init();
    const { deliveryId } = await store.recordEvent(makeEvent('ch-1'));
    expect((await store.claim('w1', 1000))?.id).toBe(deliveryId);
    await store.close();
  });

  it('reports store-unavailable when the folder cannot be written, and recovers once it can', async () => {
    // The test may run as root, which ignores permission bits: a file standing where the
    // folder should be blocks it for everyone.
    const blocker = path.join(dir, 'data');
    fs.writeFileSync(blocker, 'not a folder');
    const store = new SqliteDeliveryStore({ filename: path.join(blocker, 'bridge.sqlite') });

    await expectStoreUnavailable(store.init());
    await expectStoreUnavailable(store.ping());
    await expectStoreUnavailable(store.recordEvent(makeEvent('ch-1')));
    await expectStoreUnavailable(store.claim('w1', 1000));

    fs.rmSync(blocker);
    await store.ping();
    expect((await store.recordEvent(makeEvent('ch-1'))).duplicate).toBe(false);
    await store.close();
  });

  it('reports store-unavailable when another connection holds the write lock too long', async () => {
    const filename = path.join(dir, 'bridge.sqlite');
    const store = new SqliteDeliveryStore({ filename, busyTimeoutMs: 50 });
    await store.init();
    const other = new Database(filename);
    other.exec('BEGIN IMMEDIATE');
    try {
      await expectStoreUnavailable(store.recordEvent(makeEvent('ch-1')));
    } finally {
      other.exec('ROLLBACK');
      other.close();
    }
    expect((await store.recordEvent(makeEvent('ch-1'))).status).toBe('pending');
    await store.close();
  });
});
