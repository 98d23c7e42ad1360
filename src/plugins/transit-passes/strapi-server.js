'use strict';

/**
 * The plugin's server code is TypeScript compiled together with the application (one `tsc`,
 * run by `strapi develop`, `strapi build` and the test harness). This entry loads the compiled
 * output; a missing build fails loudly instead of Strapi skipping the plugin.
 */
const path = require('node:path');

const compiled = path.resolve(__dirname, '..', '..', '..', 'dist', 'src', 'plugins', 'transit-passes', 'server', 'src');
try {
  module.exports = require(compiled);
} catch (error) {
  if (error && error.code === 'MODULE_NOT_FOUND' && String(error.message).includes(compiled)) {
    throw new Error(`transit-passes is not compiled (${compiled} is missing): run npm run build or npm run develop`);
  }
  throw error;
}
