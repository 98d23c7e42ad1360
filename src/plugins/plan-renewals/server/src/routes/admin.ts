import { ADMIN_ACTIONS } from '../config/actions';

/**
 * The admin panel's routes (under /plan-renewals on the admin API). Each needs a signed-in admin
 * holding the named action; task routes need either task action, and the controller limits the
 * admin to the roles whose action they hold.
 */
const guarded = (method: string, path: string, handler: string, actions: string[]) => ({
  method,
  path,
  handler: `panel.${handler}`,
  config: {
    policies: ['admin::isAuthenticatedAdmin', ...(actions.length ? [{ name: 'admin::hasPermissions', config: { actions } }] : [])],
  },
});

const A = ADMIN_ACTIONS;

export default {
  type: 'admin',
  routes: [
    guarded('GET', '/overview', 'overview', [A.readDashboard]),
    guarded('GET', '/runs', 'listRuns', [A.readRuns]),
    guarded('GET', '/runs/:documentId', 'findRun', [A.readRuns]),
    guarded('POST', '/runs/:documentId/retry', 'retryRun', [A.manageRuns]),
    guarded('POST', '/runs/:documentId/cancel', 'cancelRun', [A.manageRuns]),
    guarded('GET', '/service-plans/:documentId', 'servicePlanCoverage', [A.readRuns]),
    guarded('POST', '/service-plans/:documentId/renewals', 'startRenewal', [A.manageRuns]),
    // Either task action lets an admin in; which tasks they see and may complete is per role.
    guarded('GET', '/tasks', 'listTasks', []),
    guarded('POST', '/tasks/:documentId/claim', 'claimTask', []),
    guarded('POST', '/tasks/:documentId/unclaim', 'unclaimTask', []),
    guarded('POST', '/tasks/:documentId/complete', 'completeTask', []),
    // Any role's task, to anyone of its role: for those who run the team (and Super Admins).
    guarded('POST', '/tasks/:documentId/reassign', 'reassignTask', [A.reassignTasks]),
    guarded('POST', '/invoices/:documentId/manual-payments', 'recordPayment', [A.financeTasks]),
    guarded('GET', '/reports', 'listReports', [A.readReports]),
    guarded('GET', '/reports/:month', 'findReport', [A.readReports]),
    guarded('GET', '/settings', 'settings', [A.readSettings]),
  ],
};
