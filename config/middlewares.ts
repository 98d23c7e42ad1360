export default [
  'strapi::logger',
  'strapi::errors',
  'strapi::security',
  'strapi::cors',
  'strapi::poweredBy',
  'strapi::query',
  // Before the body parser: keeps the Stripe webhook's raw bytes for signature verification.
  { name: 'global::stripe-raw-body', config: { limit: '512kb' } },
  {
    name: 'strapi::body',
    config: {
      // Billing bodies are small; refuse anything larger than this instead of parsing it.
      jsonLimit: '256kb',
      formLimit: '256kb',
      textLimit: '256kb',
    },
  },
  'strapi::session',
  'strapi::favicon',
  'strapi::public',
];
