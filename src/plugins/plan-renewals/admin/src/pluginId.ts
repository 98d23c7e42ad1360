export const PLUGIN_ID = 'plan-renewals';

/** The plugin's admin actions, as the server registers them (server/src/config/actions.ts). */
export const ACTIONS = {
  readDashboard: 'plugin::plan-renewals.dashboard.read',
  readRuns: 'plugin::plan-renewals.runs.read',
  manageRuns: 'plugin::plan-renewals.runs.manage',
  financeTasks: 'plugin::plan-renewals.tasks.finance',
  customerSuccessTasks: 'plugin::plan-renewals.tasks.customer-success',
  reassignTasks: 'plugin::plan-renewals.tasks.reassign',
  readReports: 'plugin::plan-renewals.reports.read',
  readSettings: 'plugin::plan-renewals.settings.read',
} as const;

/** The plugin pages, as the admin router (based at /admin) knows them. */
export const BASE = `/plugins/${PLUGIN_ID}`;
