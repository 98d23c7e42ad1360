// Kept small on purpose: two rules that guard the architecture and the crash we once had, not a
// style guide (the compiler's strict mode does the rest).
import tseslint from 'typescript-eslint';

/** What a pure domain must not reach: the framework, I/O, and the code that reads the clock. */
const impureModules = {
  patterns: [
    { group: ['@strapi/*'], message: 'domain/ is pure: pass what it needs in, do not import Strapi.' },
    {
      group: [
        'fs', 'fs/*', 'node:*', 'http', 'https', 'net', 'child_process', 'worker_threads', 'dgram', 'dns',
        'pg', 'better-sqlite3', 'knex', 'stripe', '@sendgrid/*', 'twilio', 'node-cron',
      ],
      message: 'domain/ is pure: no I/O. Do it in a service and pass the result in.',
    },
    {
      group: ['**/services', '**/services/**', '**/setup/**', '**/guards', '**/guards/**', '**/seed/**', '**/controllers/**', '**/repositories/**'],
      message: 'domain/ is pure: services, setup, guards and controllers read the clock and the database; pass `now` and data in.',
    },
  ],
};

const clockReads = [
  { selector: "CallExpression[callee.object.name='Date'][callee.property.name='now']", message: 'domain/ does not read the clock: take `now` as an argument.' },
  { selector: "NewExpression[callee.name='Date'][arguments.length=0]", message: 'domain/ does not read the clock: take `now` as an argument.' },
  { selector: "CallExpression[callee.object.name='performance'][callee.property.name='now']", message: 'domain/ does not read the clock.' },
  { selector: "CallExpression[callee.object.name='Math'][callee.property.name='random']", message: 'domain/ is deterministic: take randomness as an argument.' },
];

export default tseslint.config(
  { ignores: ['node_modules/**', 'dist/**', 'build/**', '.cache/**', '.tmp/**', '.strapi/**', 'types/generated/**', 'coverage/**'] },
  {
    files: ['src/**/*.ts', 'src/**/*.tsx', 'config/**/*.ts', 'tests/**/*.ts'],
    languageOptions: {
      parser: tseslint.parser,
      parserOptions: { projectService: true, tsconfigRootDir: import.meta.dirname },
    },
    plugins: { '@typescript-eslint': tseslint.plugin },
    // An unawaited write is how a lost database connection once stopped the process.
    rules: { '@typescript-eslint/no-floating-promises': 'error' },
  },
  {
    files: ['src/**/domain/**/*.ts'],
    rules: { 'no-restricted-imports': ['error', impureModules], 'no-restricted-syntax': ['error', ...clockReads] },
  },
);
