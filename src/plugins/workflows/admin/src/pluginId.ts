export const PLUGIN_ID = 'workflows';

/** The engine's admin actions, as the server registers them (server/src/config/actions.ts). */
export const ACTIONS = {
  readRuns: 'plugin::workflows.runs.read',
  manageRuns: 'plugin::workflows.runs.manage',
  reassignTasks: 'plugin::workflows.tasks.reassign',
} as const;

/** The engine's pages, as the admin router (based at /admin) knows them. */
export const BASE = `/plugins/${PLUGIN_ID}`;
