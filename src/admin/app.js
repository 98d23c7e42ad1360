/**
 * The admin panel's own settings. `notifications.releases: false`: the panel does not ask GitHub
 * for Strapi's latest release after sign-in (the server's update check is off in config/server.ts,
 * telemetry in package.json), so a running app makes no call home.
 */
export default {
  config: {
    notifications: { releases: false },
  },
  bootstrap() {},
};
