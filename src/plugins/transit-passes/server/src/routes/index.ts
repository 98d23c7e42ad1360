/**
 * The process's REST routes, under /api/transit-passes. Each is a users-permissions action
 * granted to the roles that need it in src/setup/permissions.ts (API tokens by their own
 * permissions: a gate's or an inspector's device holds a token with the validity route only).
 * The admin page's routes are in routes/admin.ts.
 */
import { route } from '../../../../workflows/server/src/http';
import admin from './admin';

export default {
  'content-api': {
    type: 'content-api',
    routes: [
      route('POST', '/orders', 'orders.create'),
      route('GET', '/orders/:documentId', 'orders.findOne'),
      route('POST', '/orders/:documentId/unmatched-payments/:reference', 'orders.resolvePayment'),
      route('POST', '/passes/:documentId/renewals', 'passes.renew'),
      route('GET', '/passes/:code/validity', 'passes.validity'),
      route('GET', '/revenue/daily/:date', 'revenue.daily'),
      route('GET', '/reports/monthly/:month', 'reports.monthly'),
    ],
  },
  admin,
};
