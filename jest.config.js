/**
 * Three projects: `unit` (the pure domain and other pure functions, milliseconds), `integration`
 * (the real Strapi booted on a fresh SQLite or PostgreSQL database per test file, over HTTP) and
 * `e2e` (the built app started as a process, its admin panel driven in Chromium; it builds
 * the app first when there is no build).
 */
const transform = { '^.+\\.ts$': ['@swc/jest'] };

module.exports = {
  // A global option (ignored inside a project): booting Strapi on PostgreSQL takes several seconds.
  testTimeout: 120000,
  projects: [
    {
      displayName: 'unit',
      testEnvironment: 'node',
      // The unit tier reads the TypeScript sources; the compiled copy under dist/ is not its concern.
      modulePathIgnorePatterns: ['<rootDir>/dist/'],
      transform,
      testMatch: [
        '<rootDir>/tests/domain/**/*.test.ts',
        '<rootDir>/tests/unit/**/*.test.ts',
        '<rootDir>/tests/plan-renewals/**/*.test.ts',
      ],
    },
    {
      displayName: 'integration',
      testEnvironment: 'node',
      transform,
      testMatch: ['<rootDir>/tests/integration/**/*.test.ts'],
      globalSetup: '<rootDir>/tests/harness/global-setup.js',
      setupFiles: ['<rootDir>/tests/harness/env.js'],
    },
    {
      displayName: 'e2e',
      testEnvironment: 'node',
      transform,
      testMatch: ['<rootDir>/tests/e2e/**/*.test.ts'],
      globalSetup: '<rootDir>/tests/e2e/global-setup.js',
      setupFiles: ['<rootDir>/tests/harness/env.js'],
    },
  ],
};
