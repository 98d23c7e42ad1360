export const PLUGIN_ID = 'transit-passes';

/** The plugin's admin action, as the server registers it (server/src/config/actions.ts). */
export const ACTIONS = {
  read: 'plugin::transit-passes.transit.read',
} as const;
