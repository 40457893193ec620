/** Unit and integration tests (everything under test/ except test/interop). */
module.exports = {
  preset: 'ts-jest',
  testEnvironment: 'node',
  roots: ['<rootDir>/test'],
  testPathIgnorePatterns: ['/node_modules/', '<rootDir>/test/interop/'],
  transform: { '^.+\\.ts$': 'ts-jest' },
  testTimeout: 30000,
};
