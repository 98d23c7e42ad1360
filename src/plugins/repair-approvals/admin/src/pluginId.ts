export const PLUGIN_ID = 'repair-approvals';

/** The plugin's admin action, as the server registers it (server/src/config/actions.ts). */
export const ACTIONS = {
  readApprovals: 'plugin::repair-approvals.approvals.read',
} as const;

/** The plugin pages, as the admin router (based at /admin) knows them. */
export const BASE = `/plugins/${PLUGIN_ID}`;
