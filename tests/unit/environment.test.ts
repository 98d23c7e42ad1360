import { allowedOrigins, readEnvironment } from '../../src/setup/environment';

test('defaults are the documented ones', () => {
  expect(readEnvironment({})).toEqual({
    DATABASE_CLIENT: 'sqlite',
    DATABASE_FILENAME: '.tmp/data.db',
    DATABASE_SCHEMA: 'public',
    DATABASE_SSL: false,
    DATABASE_SSL_REJECT_UNAUTHORIZED: true,
    DATABASE_POOL_MIN: 0,
    DATABASE_POOL_MAX: 10,
    DATABASE_CONNECTION_TIMEOUT: 60000,
    SEED_DEMO_DATA: true,
    JOBS_ENABLED: true,
    SENDGRID_API_BASE: 'https://api.sendgrid.com',
    SENDGRID_TIMEOUT_MS: 10000,
    EMAIL_FROM: 'service@example.com',
    TWILIO_API_BASE: 'https://api.twilio.com',
    TWILIO_TIMEOUT_MS: 10000,
    STRIPE_API_BASE: 'https://api.stripe.com',
    STRIPE_EVENTS_WORKER: true,
    STRIPE_TIMEOUT_MS: 20000,
    STRIPE_WEBHOOK_TOLERANCE_S: 300,
    PUBLIC_URL: 'http://localhost:1337',
    TRUST_PROXY: false,
    TRUSTED_PROXY_HOPS: 1,
    STAFF_ACCESS_TOKEN_MINUTES: 10,
    STAFF_SESSION_IDLE_HOURS: 12,
    STAFF_SESSION_MAX_DAYS: 7,
    LOG_LEVEL: 'http',
  });
});

test('values are parsed', () => {
  const env = readEnvironment({
    DATABASE_CLIENT: 'postgres',
    DATABASE_URL: 'postgres://app@db:5432/billing',
    DATABASE_POOL_MAX: '20',
    SEED_DEMO_DATA: 'false',
    LOG_LEVEL: 'warn',
  });
  expect(env).toMatchObject({ DATABASE_CLIENT: 'postgres', DATABASE_POOL_MAX: 20, SEED_DEMO_DATA: false, LOG_LEVEL: 'warn' });
});

test('job schedules and the stuck-run delay can come from the environment', () => {
  const env = readEnvironment({ JOB_SCHEDULES: '{"outbox":"*/10 * * * * *"}', JOB_STUCK_RUN_MINUTES: '1' });
  expect(env.JOB_SCHEDULES).toEqual({ outbox: '*/10 * * * * *' });
  expect(env.JOB_STUCK_RUN_MINUTES).toBe(1);
});

test('several webhook secrets are accepted at once, for rotation', () => {
  const env = readEnvironment({ STRIPE_WEBHOOK_SECRET: 'whsec_old, whsec_new', STRIPE_SECRET_KEY: 'sk_test_abc' });
  expect(env.STRIPE_WEBHOOK_SECRET).toEqual(['whsec_old', 'whsec_new']);
  expect(env.STRIPE_SECRET_KEY).toBe('sk_test_abc');
});

const ACCOUNT = `AC${'a1'.repeat(16)}`;
const API_KEY = `SK${'b2'.repeat(16)}`;
const SERVICE = `MG${'c3'.repeat(16)}`;

test.each([
  ['an auth token and a number', { TWILIO_ACCOUNT_SID: ACCOUNT, TWILIO_AUTH_TOKEN: 'token', TWILIO_FROM: '+15125550100' }],
  ['an API key and a Messaging Service', { TWILIO_ACCOUNT_SID: ACCOUNT, TWILIO_API_KEY: API_KEY, TWILIO_API_SECRET: 'secret', TWILIO_FROM: SERVICE }],
  ['a sender alone (SMS kept as previews)', { TWILIO_FROM: '+15125550100' }],
  ['a stand-in and a timeout', { TWILIO_API_BASE: 'http://127.0.0.1:4010', TWILIO_TIMEOUT_MS: '2000' }],
])('Twilio: %s is accepted', (_, source) => {
  expect(readEnvironment(source)).toMatchObject(Object.fromEntries(Object.entries(source).map(([name, value]) => [name, name === 'TWILIO_TIMEOUT_MS' ? Number(value) : value])));
});

test.each([
  [{ TWILIO_ACCOUNT_SID: 'AC123' }, /TWILIO_ACCOUNT_SID: must be a Twilio Account SID/],
  [{ TWILIO_ACCOUNT_SID: ACCOUNT, TWILIO_FROM: '+15125550100' }, /TWILIO_AUTH_TOKEN: TWILIO_ACCOUNT_SID needs TWILIO_AUTH_TOKEN, or TWILIO_API_KEY with TWILIO_API_SECRET/],
  [{ TWILIO_ACCOUNT_SID: ACCOUNT, TWILIO_AUTH_TOKEN: 'token' }, /TWILIO_FROM: TWILIO_ACCOUNT_SID needs a sender/],
  [{ TWILIO_ACCOUNT_SID: ACCOUNT, TWILIO_AUTH_TOKEN: 'token', TWILIO_API_KEY: API_KEY, TWILIO_API_SECRET: 's', TWILIO_FROM: SERVICE }, /not both/],
  [{ TWILIO_ACCOUNT_SID: ACCOUNT, TWILIO_API_KEY: API_KEY, TWILIO_FROM: SERVICE }, /TWILIO_API_SECRET: is needed with TWILIO_API_KEY/],
  [{ TWILIO_ACCOUNT_SID: ACCOUNT, TWILIO_API_SECRET: 's', TWILIO_FROM: SERVICE }, /TWILIO_API_KEY: is needed with TWILIO_API_SECRET/],
  [{ TWILIO_API_KEY: ACCOUNT }, /TWILIO_API_KEY: must be a Twilio API key SID/],
  [{ TWILIO_AUTH_TOKEN: 'token' }, /TWILIO_ACCOUNT_SID: is needed with TWILIO_AUTH_TOKEN/],
  [{ TWILIO_FROM: '512 555 0100' }, /TWILIO_FROM: must be an E.164 number/],
  [{ TWILIO_FROM: 'MG123' }, /TWILIO_FROM: must be an E.164 number .* or a Messaging Service SID/],
  [{ TWILIO_API_BASE: 'api.twilio.com' }, /TWILIO_API_BASE/],
  [{ TWILIO_TIMEOUT_MS: '50' }, /TWILIO_TIMEOUT_MS/],
])('Twilio: refuses %p', (source, message) => {
  expect(() => readEnvironment(source)).toThrow(message);
});

test('a refused Twilio setting never shows a secret', () => {
  expect(() => readEnvironment({ TWILIO_AUTH_TOKEN: 'do-not-show-me' })).toThrow(expect.objectContaining({ message: expect.not.stringContaining('do-not-show-me') }));
});

test.each([
  [{ DATABASE_CLIENT: 'mysql' }, /DATABASE_CLIENT/],
  [{ DATABASE_CLIENT: 'postgres' }, /DATABASE_URL: DATABASE_CLIENT=postgres needs DATABASE_URL/],
  [{ DATABASE_CLIENT: 'postgres', DATABASE_URL: 'mysql://x' }, /DATABASE_URL: must be a postgres:\/\/ URL/],
  [{ DATABASE_POOL_MAX: 'ten' }, /DATABASE_POOL_MAX/],
  [{ DATABASE_POOL_MIN: '5', DATABASE_POOL_MAX: '2' }, /DATABASE_POOL_MIN: must not exceed DATABASE_POOL_MAX/],
  [{ SEED_DEMO_DATA: 'yes' }, /SEED_DEMO_DATA/],
  [{ LOG_LEVEL: 'loud' }, /LOG_LEVEL/],
  [{ DATABASE_SSL: '1' }, /DATABASE_SSL/],
  [{ SENDGRID_API_BASE: 'not a url' }, /SENDGRID_API_BASE/],
  [{ EMAIL_FROM: 'nobody' }, /EMAIL_FROM/],
  [{ STRIPE_SECRET_KEY: 'pk_test_123' }, /STRIPE_SECRET_KEY: must be a Stripe secret key/],
  [{ STRIPE_WEBHOOK_SECRET: 'whsec_a,secret' }, /STRIPE_WEBHOOK_SECRET/],
  [{ STRIPE_WEBHOOK_SECRET: ' , ' }, /STRIPE_WEBHOOK_SECRET/],
  [{ STRIPE_WEBHOOK_TOLERANCE_S: '0' }, /STRIPE_WEBHOOK_TOLERANCE_S/],
  [{ STRIPE_API_BASE: 'localhost:12111' }, /STRIPE_API_BASE/],
  [{ JOB_SCHEDULES: '{outbox: 1}' }, /JOB_SCHEDULES: must be JSON/],
  [{ JOB_SCHEDULES: '["* * * * *"]' }, /JOB_SCHEDULES/],
  [{ JOB_SCHEDULES: '{"outbox": 60}' }, /JOB_SCHEDULES/],
  [{ JOB_STUCK_RUN_MINUTES: '0' }, /JOB_STUCK_RUN_MINUTES/],
  [{ CORS_ORIGINS: 'https://shop.example.com/admin' }, /CORS_ORIGINS\.0: each origin must be scheme:\/\/host/],
  [{ CORS_ORIGINS: '*' }, /CORS_ORIGINS/],
  [{ TRUST_PROXY: 'yes' }, /TRUST_PROXY/],
  [{ TRUSTED_PROXY_HOPS: '0' }, /TRUSTED_PROXY_HOPS/],
  [{ STAFF_ACCESS_TOKEN_MINUTES: '0' }, /STAFF_ACCESS_TOKEN_MINUTES/],
  [{ STAFF_ACCESS_TOKEN_MINUTES: '61' }, /STAFF_ACCESS_TOKEN_MINUTES/],
  [{ STAFF_SESSION_IDLE_HOURS: '48', STAFF_SESSION_MAX_DAYS: '1' }, /STAFF_SESSION_IDLE_HOURS: must not exceed STAFF_SESSION_MAX_DAYS/],
])('refuses %p', (source, message) => {
  expect(() => readEnvironment(source)).toThrow(message);
});

test('every problem is reported at once', () => {
  expect(() => readEnvironment({ LOG_LEVEL: 'loud', SEED_DEMO_DATA: 'yes' })).toThrow(/LOG_LEVEL[\s\S]*SEED_DEMO_DATA|SEED_DEMO_DATA[\s\S]*LOG_LEVEL/);
});

test('browsers may call the API from the app\'s own origin and the listed ones, nothing else', () => {
  expect(allowedOrigins(readEnvironment({}))).toEqual(['http://localhost:1337']);
  const env = readEnvironment({ PUBLIC_URL: 'https://billing.example.com/', CORS_ORIGINS: 'https://shop.example.com, http://localhost:5173,https://billing.example.com' });
  expect(allowedOrigins(env)).toEqual(['https://billing.example.com', 'https://shop.example.com', 'http://localhost:5173']);
});
