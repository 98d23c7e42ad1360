/** Compiles the TypeScript app once for the whole integration run; each test file then boots it. */
const { compileStrapi } = require('@strapi/strapi');

module.exports = async () => {
  process.env.STRAPI_TELEMETRY_DISABLED = 'true';
  await compileStrapi({ appDir: process.cwd(), ignoreDiagnostics: false });
};
