import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { openStore, parseStoreUrl } from '../../../src/store/open-store';
import { makeEvent } from './store-contract';

describe('parseStoreUrl', () => {
  it('reads SQLite files, in-memory SQLite and PostgreSQL URLs', () => {
    expect(parseStoreUrl('sqlite:./data/bridge.sqlite')).toEqual({ kind: 'sqlite', filename: './data/bridge.sqlite' });
    expect(parseStoreUrl('sqlite::memory:')).toEqual({ kind: 'sqlite', filename: ':memory:' });
    expect(parseStoreUrl('sqlite:///var/lib/bridge.sqlite')).toEqual({ kind: 'sqlite', filename: '/var/lib/bridge.sqlite' });
    expect(parseStoreUrl('postgres://u@db:5432/bridge')).toEqual({ kind: 'postgres', connectionString: 'postgres://u@db:5432/bridge' });
    expect(parseStoreUrl('postgresql://u@db/bridge').kind).toBe('postgres');
  });

  it('names the accepted forms for anything else, without echoing secrets', () => {
    expect(() => parseStoreUrl('mysql://root:hunter2@db/x')).toThrow(/unsupported scheme "mysql".*sqlite:<path>.*postgres:\/\//);
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
