/**
 * The engine's admin-panel permissions (RBAC actions): reading the runs and tasks it keeps for
 * every process, retrying and cancelling those runs, and handing a task to another member of its
 * role. Each admin route names the action it needs (routes/admin.ts); the admin pages hide what
 * the signed-in admin may not do, but the server decides.
 */
export const PLUGIN = 'workflows';

export const ADMIN_ACTIONS = {
  readRuns: `plugin::${PLUGIN}.runs.read`,
  manageRuns: `plugin::${PLUGIN}.runs.manage`,
  reassignTasks: `plugin::${PLUGIN}.tasks.reassign`,
} as const;

const action = (uid: string, displayName: string, subCategory: string) => ({
  section: 'plugins',
  pluginName: PLUGIN,
  subCategory,
  displayName,
  uid: uid.slice(`plugin::${PLUGIN}.`.length),
});

/** As the admin permission provider registers them (`uid` relative to the plugin). */
export const ACTION_DEFINITIONS = [
  action(ADMIN_ACTIONS.readRuns, 'Read process runs', 'runs'),
  action(ADMIN_ACTIONS.manageRuns, 'Retry and cancel process runs', 'runs'),
  action(ADMIN_ACTIONS.reassignTasks, 'Reassign process tasks', 'tasks'),
];

/**
 * An admin role that may read the runs a process plugin keeps itself (its own `runs.read` action)
 * may read the engine's too: the staff who follow one process follow them all.
 */
export const isProcessRunReading = (action: string): boolean => /^plugin::[a-z0-9-]+\.runs\.read$/.test(action) && action !== ADMIN_ACTIONS.readRuns;
