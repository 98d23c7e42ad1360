/**
 * Three projects: `unit` (the pure domain and other pure functions, milliseconds), `integration`
 * (the real Strapi booted on a fresh SQLite or PostgreSQL database per test file, over HTTP) and
 * `e2e` (the built app started as a process, its admin panel driven in Chromium; it builds
 * the app first when there is no build).
 */
const transform = { '^.+\\.ts$': ['@swc/jest'] };
// Jest indexes only the tests: the sources are required by path, and indexing the compiled copy
// under dist/ beside them made Jest warn of two `plan-renewals` packages on every run.
const roots = ['<rootDir>/tests'];

module.exports = {
  // A global option (ignored inside a project): booting Strapi on PostgreSQL takes several seconds.
  testTimeout: 120000,
  reporters: ['default', '<rootDir>/tests/harness/unrun-suites-reporter.js'],
  projects: [
    {
      displayName: 'unit',
      testEnvironment: 'node',
      roots,
      transform,
      testMatch: [
        '<rootDir>/tests/domain/**/*.test.ts',
        '<rootDir>/tests/unit/**/*.test.ts',
        '<rootDir>/tests/plan-renewals/**/*.test.ts',
        '<rootDir>/tests/workflows/**/*.test.ts',
        '<rootDir>/tests/repair-approvals/**/*.test.ts',
        '<rootDir>/tests/transit-passes/**/*.test.ts',
      ],
    },
    {
      displayName: 'integration',
      testEnvironment: 'node',
      roots,
      transform,
      testMatch: ['<rootDir>/tests/integration/**/*.test.ts'],
      globalSetup: '<rootDir>/tests/harness/global-setup.js',
      setupFiles: ['<rootDir>/tests/harness/env.js'],
    },
    {
      displayName: 'e2e',
      testEnvironment: 'node',
      roots,
      transform,
      testMatch: ['<rootDir>/tests/e2e/**/*.test.ts'],
      globalSetup: '<rootDir>/tests/e2e/global-setup.js',
      setupFiles: ['<rootDir>/tests/harness/env.js'],
    },
  ],
};
