/**
 * Three projects: unit specs beside the code, e2e specs in test/ on the real AppModule, and the
 * reliability specs (real processes killed, Redis stopped) in test/reliability, run by `npm run test:reliability`.
 */
const transform = { '^.+\\.ts$': 'ts-jest' };

module.exports = {
  testTimeout: 30000,
  projects: [
    {
      displayName: 'unit',
      testEnvironment: 'node',
      rootDir: '.',
      testMatch: ['<rootDir>/src/**/*.spec.ts'],
      moduleFileExtensions: ['ts', 'js', 'json'],
      transform,
    },
    {
      displayName: 'e2e',
      testEnvironment: 'node',
      rootDir: '.',
      testMatch: ['<rootDir>/test/**/*.e2e-spec.ts'],
      moduleFileExtensions: ['ts', 'js', 'json'],
      transform,
      globalSetup: '<rootDir>/test/support/global-setup.ts',
    },
    {
      displayName: 'reliability',
      testEnvironment: 'node',
      rootDir: '.',
      testMatch: ['<rootDir>/test/reliability/**/*.reliability-spec.ts'],
      moduleFileExtensions: ['ts', 'js', 'json'],
      transform,
      globalSetup: '<rootDir>/test/support/global-setup.ts',
    },
  ],
};
