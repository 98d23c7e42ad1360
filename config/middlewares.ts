import { allowedOrigins, readEnvironment } from '../src/setup/environment';

export default () => [
  'strapi::logger',
  'strapi::errors',
  // Inside Strapi's error handler: a ConflictError thrown anywhere answers 409.
  'global::conflicts',
  {
    name: 'strapi::security',
    // Strict-Transport-Security is sent by global::transport-security, only over https.
    config: { hsts: false },
  },
  {
    name: 'strapi::cors',
    // Browsers may call the API (and the admin API, which mints admin tokens from its refresh
    // cookie) with credentials only from the app's own origin and those listed in CORS_ORIGINS.
    config: { origin: allowedOrigins(readEnvironment()), credentials: true },
  },
  'global::transport-security',
  'strapi::query',
  // Before the body parser: keeps the Stripe webhook's raw bytes for signature verification.
  { name: 'global::stripe-raw-body', config: { limit: '512kb' } },
  // Around the body parser: its multipart errors answer 413 or 400 instead of 500.
  'global::multipart-errors',
  {
    name: 'strapi::body',
    config: {
      // Billing bodies are small; refuse anything larger than this instead of parsing it.
      jsonLimit: '256kb',
      formLimit: '256kb',
      textLimit: '256kb',
      // Multipart bodies are parsed before authentication, files spooled to disk: bounded too.
      // Nothing in billing takes a file; the admin panel's media library gets 10 MB a file.
      formidable: { maxFileSize: 10 * 1024 * 1024, maxFieldsSize: 256 * 1024, maxFields: 200 },
    },
  },
  // After the body parser: refuses input nested too deep, input the databases cannot take (NUL
  // characters, malformed filters, non-numeric filters on number fields) and populates beyond the
  // bounds, with a 400 instead of a database error or an answer of a hundred megabytes.
  { name: 'global::input-guard', config: { maxNesting: 32, populate: { depth: 3, relations: 10 } } },
  // What one content-API read may answer at most.
  { name: 'global::response-limit', config: { maxBytes: 4 * 1024 * 1024 } },
  'strapi::session',
  'strapi::favicon',
  'strapi::public',
];
