/**
 * The resilience scenarios (`npm run test:resilience`): the built app as real `strapi start`
 * processes on PostgreSQL, with local Stripe and SendGrid stand-ins, killed, doubled and
 * starved on purpose, then checked over the whole database. Needs DATABASE_URL (PostgreSQL).
 */
module.exports = {
  displayName: 'resilience',
  testEnvironment: 'node',
  roots: ['<rootDir>/tests'],
  transform: { '^.+\\.ts$': ['@swc/jest'] },
  testMatch: ['<rootDir>/tests/resilience/**/*.test.ts'],
  globalSetup: '<rootDir>/tests/harness/global-setup.js',
  // Each scenario boots, kills and restarts app processes and waits for the work to settle.
  testTimeout: 600000,
};
