/**
 * Two tiers: `domain` (pure functions, milliseconds) and `integration` (the real Strapi booted on
 * a fresh SQLite or PostgreSQL database per test file, spoken to over HTTP).
 */
const transform = { '^.+\\.ts$': ['@swc/jest'] };

module.exports = {
  // A global option (ignored inside a project): booting Strapi on PostgreSQL takes several seconds.
  testTimeout: 120000,
  projects: [
    {
      displayName: 'domain',
      testEnvironment: 'node',
      transform,
      testMatch: ['<rootDir>/tests/domain/**/*.test.ts'],
    },
    {
      displayName: 'integration',
      testEnvironment: 'node',
      transform,
      testMatch: ['<rootDir>/tests/integration/**/*.test.ts'],
      globalSetup: '<rootDir>/tests/harness/global-setup.js',
      setupFiles: ['<rootDir>/tests/harness/env.js'],
    },
  ],
};
