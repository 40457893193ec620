import { existsSync } from 'node:fs';
import path from 'node:path';

/** The package's own folder (dist/config/ or src/config/ is two levels below it). */
export const PACKAGE_ROOT = path.resolve(__dirname, '..', '..');

/**
 * A relative MAPPING_FILE is read from the current folder, as operators expect; when it is
 * not there, the copy shipped in the package is used (so `serve` started from another folder
 * still finds mappings/default.json).
 */
export function resolveMappingFile(file: string, cwd: string = process.cwd()): string {
  if (path.isAbsolute(file)) {
    return file;
  }
  const local = path.resolve(cwd, file);
  if (existsSync(local)) {
    return local;
  }
  const packaged = path.resolve(PACKAGE_ROOT, file);
  return existsSync(packaged) ? packaged : local;
}
