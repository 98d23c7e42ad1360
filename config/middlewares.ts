export default [
  'strapi::logger',
  'strapi::errors',
  'strapi::security',
  'strapi::cors',
  'strapi::poweredBy',
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
  // After the body parser: refuses input the databases cannot take (NUL characters, non-numeric
  // filters on number fields) with a 400 instead of a database error.
  'global::input-guard',
  'strapi::session',
  'strapi::favicon',
  'strapi::public',
];
