import { ADMIN_ACTIONS } from '../config/actions';

/**
 * The Approvals admin pages' routes (under /repair-approvals on the admin API): each needs a
 * signed-in admin holding "Read approvals". They only read.
 */
const guarded = (method: string, path: string, handler: string) => ({
  method,
  path,
  handler: `panel.${handler}`,
  config: {
    policies: ['admin::isAuthenticatedAdmin', { name: 'admin::hasPermissions', config: { actions: [ADMIN_ACTIONS.readApprovals] } }],
  },
});

export default {
  type: 'admin',
  routes: [
    guarded('GET', '/overview', 'overview'),
    guarded('GET', '/requests', 'listRequests'),
    guarded('GET', '/requests/:documentId', 'findRequest'),
    guarded('GET', '/certificates/:number', 'findCertificate'),
    guarded('GET', '/reports/:month', 'findReport'),
    guarded('GET', '/reports/:month/csv', 'reportCsv'),
  ],
};
