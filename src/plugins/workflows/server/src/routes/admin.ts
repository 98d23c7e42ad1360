import { ADMIN_ACTIONS } from '../config/actions';

/**
 * The engine's admin routes (under /workflows on the admin API), for the runs and tasks it keeps
 * of every process it runs. Each needs a signed-in admin holding the named action.
 */
const guarded = (method: string, path: string, handler: string, action: string) => ({
  method,
  path,
  handler: `panel.${handler}`,
  config: {
    policies: ['admin::isAuthenticatedAdmin', { name: 'admin::hasPermissions', config: { actions: [action] } }],
  },
});

const A = ADMIN_ACTIONS;

export default {
  type: 'admin',
  routes: [
    guarded('GET', '/processes', 'processes', A.readRuns),
    guarded('GET', '/runs', 'listRuns', A.readRuns),
    guarded('GET', '/runs/:documentId', 'findRun', A.readRuns),
    guarded('POST', '/runs/:documentId/retry', 'retryRun', A.manageRuns),
    guarded('POST', '/runs/:documentId/cancel', 'cancelRun', A.manageRuns),
    guarded('GET', '/tasks', 'listTasks', A.readRuns),
    guarded('POST', '/tasks/:documentId/reassign', 'reassignTask', A.reassignTasks),
  ],
};
