const fs = require('node:fs');
const path = require('node:path');
const { execFileSync } = require('node:child_process');

/** The e2e test drives the built admin panel: build the app once if it has not been built yet. */
module.exports = async () => {
  const appDir = path.resolve(__dirname, '..', '..');
  if (fs.existsSync(path.join(appDir, 'dist', 'build', 'index.html'))) return;
  execFileSync(process.execPath, [path.join(appDir, 'node_modules', '@strapi', 'strapi', 'bin', 'strapi.js'), 'build'], {
    cwd: appDir,
    stdio: 'inherit',
    env: { ...process.env, STRAPI_TELEMETRY_DISABLED: 'true' },
  });
};
