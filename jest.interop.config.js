/** Interop tests against a running HAPI FHIR server (see test/hapi). */
module.exports = {
  preset: 'ts-jest',
  testEnvironment: 'node',
  roots: ['<rootDir>/test/interop'],
  transform: { '^.+\\.ts$': 'ts-jest' },
  testTimeout: 120000,
};
