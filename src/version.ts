// Read at run time so that the version shown always matches package.json.
// eslint-disable-next-line @typescript-eslint/no-require-imports
export const version: string = (require('../package.json') as { version: string }).version;
