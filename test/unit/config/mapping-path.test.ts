import { mkdtempSync, mkdirSync, writeFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { resolveMappingFile, PACKAGE_ROOT } from '../../../src/config/mapping-path';

describe('resolveMappingFile', () => {
  const dir = mkdtempSync(path.join(tmpdir(), 'pfb-mapping-path-'));
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  it('prefers the file in the current folder', () => {
    mkdirSync(path.join(dir, 'mappings'));
    writeFileSync(path.join(dir, 'mappings', 'default.json'), '{}');
    expect(resolveMappingFile('mappings/default.json', dir)).toBe(path.join(dir, 'mappings', 'default.json'));
  });

  it('falls back to the packaged mapping when the current folder has none', () => {
    const elsewhere = mkdtempSync(path.join(tmpdir(), 'pfb-mapping-none-'));
    try {
      expect(resolveMappingFile('mappings/default.json', elsewhere)).toBe(
        path.join(PACKAGE_ROOT, 'mappings', 'default.json'),
      );
      expect(resolveMappingFile('mappings/nope.json', elsewhere)).toBe(path.join(elsewhere, 'mappings', 'nope.json'));
    } finally {
      rmSync(elsewhere, { recursive: true, force: true });
    }
  });

  it('keeps absolute paths', () => {
    expect(resolveMappingFile('/etc/bridge/mapping.json', dir)).toBe('/etc/bridge/mapping.json');
  });
});
