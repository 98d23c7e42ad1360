#!/usr/bin/env node
/**
 * Creates .env with fresh random secrets the first time the app is started, so a new checkout
 * runs with one command and no secret is ever committed. An existing .env is never touched.
 */
const crypto = require('node:crypto');
const fs = require('node:fs');
const path = require('node:path');

const file = path.resolve(__dirname, '..', '.env');
const webhookSecret = () => `whsec_${crypto.randomBytes(24).toString('hex')}`;
if (fs.existsSync(file)) {
  // Older .env files predate Stripe: only a missing webhook secret is added, nothing is changed.
  const current = fs.readFileSync(file, 'utf8');
  if (!/^STRIPE_WEBHOOK_SECRET=/m.test(current)) {
    fs.appendFileSync(file, `${current.endsWith('\n') ? '' : '\n'}STRIPE_WEBHOOK_SECRET=${webhookSecret()}\n`);
    console.log('Added a STRIPE_WEBHOOK_SECRET to .env');
  }
  process.exit(0);
}

const secret = () => crypto.randomBytes(16).toString('base64');
const lines = [
  '# Generated on first start by scripts/ensure-env.js. Keep it out of version control.',
  'HOST=0.0.0.0',
  'PORT=1337',
  `APP_KEYS=${[secret(), secret(), secret(), secret()].join(',')}`,
  `API_TOKEN_SALT=${secret()}`,
  `ADMIN_JWT_SECRET=${secret()}`,
  `TRANSFER_TOKEN_SALT=${secret()}`,
  `JWT_SECRET=${secret()}`,
  `ENCRYPTION_KEY=${secret()}`,
  // Signs the events of `npm run stripe:simulate`; in production, Stripe's endpoint secret(s).
  `STRIPE_WEBHOOK_SECRET=${webhookSecret()}`,
  'STRAPI_TELEMETRY_DISABLED=true',
  '',
];
fs.writeFileSync(file, lines.join('\n'), { mode: 0o600 });
console.log('Created .env with new random secrets');
