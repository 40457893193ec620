import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { openStore, parseStoreUrl } from '../../../src/store/open-store';
import { makeEvent } from './store-contract';

describe('parseStoreUrl', () => {
  it('reads SQLite files, in-memory SQLite and PostgreSQL URLs', () => {
    expect(parseStoreUrl('sqlite:./data/bridge.sqlite')).toEqual({ kind: 'sqlite', filename: './data/bridge.sqlite' });
    expect(parseStoreUrl('sqlite::memory:')).toEqual({ kind: 'sqlite', filename: ':memory:' });
    expect(parseStoreUrl('sqlite:///var/lib/bridge.sqlite')).toEqual({
      kind: 'sqlite',
      filename: '/var/lib/bridge.sqlite',
    });
    expect(parseStoreUrl('postgres://u@db:5432/bridge')).toEqual({
      kind: 'postgres',
      connectionString: 'postgres://u@db:5432/bridge',
    });
    expect(parseStoreUrl('postgresql://u@db/bridge').kind).toBe('postgres');
  });

  it('takes the PostgreSQL schema from ?schema= and hands the driver a URL without it', () => {
    expect(parseStoreUrl('postgres://u@db:5432/bridge?schema=pfb_replica_1')).toEqual({
      kind: 'postgres',
      connectionString: 'postgres://u@db:5432/bridge',
      schema: 'pfb_replica_1',
    });
    expect(parseStoreUrl('postgres://u:p%40ss@db/bridge?sslmode=require&schema=bridge')).toEqual({
      kind: 'postgres',
      connectionString: 'postgres://u:p%40ss@db/bridge?sslmode=require',
      schema: 'bridge',
    });
  });

  it('refuses a schema name that could not be used safely in SQL, or two of them', () => {
    expect(() => parseStoreUrl('postgres://u@db/bridge?schema=Bad-Name')).toThrow(
      /STORE_URL schema: .*lower-case letters/,
    );
    expect(() => parseStoreUrl('postgres://u@db/bridge?schema=x%3Bdrop%20table')).toThrow(/STORE_URL schema/);
    expect(() => parseStoreUrl('postgres://u@db/bridge?schema=')).toThrow(/STORE_URL schema/);
    expect(() => parseStoreUrl('postgres://u@db/bridge?schema=a&schema=b')).toThrow(/more than once/);
  });

  it('names the accepted forms for anything else, without echoing secrets', () => {
    expect(() => parseStoreUrl('mysql://root:hunter2@db/x')).toThrow(
      /unsupported scheme "mysql".*sqlite:<path>.*postgres:\/\//,
    );
    expect(() => parseStoreUrl('mysql://root:hunter2@db/x')).not.toThrow(/hunter2/);
    expect(() => parseStoreUrl('./bridge.sqlite')).toThrow(/STORE_URL/);
    expect(() => parseStoreUrl('sqlite:')).toThrow(/names no SQLite file/);
  });
});

describe('openStore', () => {
  it('opens an initialised SQLite store from a URL', async () => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'pfb-open-'));
    try {
      const store = await openStore(`sqlite:${path.join(dir, 'data', 'bridge.sqlite')}`);
      expect(store.kind).toBe('sqlite');
      expect((await store.recordEvent(makeEvent('ch-1'))).status).toBe('pending');
      await store.close();
      expect(fs.existsSync(path.join(dir, 'data', 'bridge.sqlite'))).toBe(true);
    } finally {
      fs.rmSync(dir, { recursive: true, force: true });
    }
  });

  it('returns a store that is unavailable for now instead of failing, so it can recover', async () => {
    const store = await openStore('postgres://postgres@127.0.0.1:1/test');
    expect(store.kind).toBe('postgres');
    await expect(store.ping()).rejects.toMatchObject({ code: 'store-unavailable' });
    await store.close();
  });

  it('rejects an unknown scheme', async () => {
    await expect(openStore('redis://localhost')).rejects.toThrow(/unsupported scheme/);
  });
});
