/**
 * The plugin's admin-panel permission (RBAC action): reading the Transit page (the day's revenue,
 * passes, orders, card stock, the monthly report). Each admin route names it (routes/admin.ts);
 * the page hides itself from an admin without it, but the server decides.
 */
export const PLUGIN = 'transit-passes';

export const ADMIN_ACTIONS = {
  read: `plugin::${PLUGIN}.transit.read`,
} as const;

/** As the admin permission provider registers them (`uid` relative to the plugin). */
export const ACTION_DEFINITIONS = [
  {
    section: 'plugins',
    pluginName: PLUGIN,
    subCategory: 'transit',
    displayName: 'Read transit',
    uid: ADMIN_ACTIONS.read.slice(`plugin::${PLUGIN}.`.length),
  },
];
