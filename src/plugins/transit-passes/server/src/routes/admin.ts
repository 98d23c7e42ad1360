import { ADMIN_ACTIONS } from '../config/actions';

/**
 * The Transit page's admin routes (under /transit-passes on the admin API). Each needs a signed-in
 * admin holding the plugin's read action; none writes.
 */
const guarded = (method: string, path: string, handler: string, action: string) => ({
  method,
  path,
  handler: `panel.${handler}`,
  config: {
    policies: ['admin::isAuthenticatedAdmin', { name: 'admin::hasPermissions', config: { actions: [action] } }],
  },
});

const read = ADMIN_ACTIONS.read;

export default {
  type: 'admin',
  routes: [
    guarded('GET', '/overview', 'overview', read),
    guarded('GET', '/orders', 'listOrders', read),
    guarded('GET', '/reports/:month', 'report', read),
    guarded('GET', '/reports/:month/csv', 'reportCsv', read),
  ],
};
