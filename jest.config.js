/**
 * Two projects: `unit` (the pure domain and other pure functions, milliseconds) and `integration`
 * (the real Strapi booted on a fresh SQLite or PostgreSQL database per test file, over HTTP).
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
  ],
};
