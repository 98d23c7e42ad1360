/**
 * The plugin's REST routes, under /api/plan-renewals. Each is a users-permissions action granted
 * to the staff roles in src/setup/permissions.ts. Claiming, giving back and completing a task are
 * further limited to the task's own role by the engine. The one route without user authentication
 * is Stripe's webhook: it is authenticated by the signature over its raw body instead (a bad one
 * is a 400).
 */
import { route } from '../../../../workflows/server/src/http';
import admin from './admin';

export default {
  'content-api': {
    type: 'content-api',
    routes: [
      route('POST', '/purchases', 'purchases.create'),
      route('POST', '/service-plans/:documentId/renewals', 'renewals.create'),
      route('GET', '/runs/:documentId', 'runs.findOne'),
      route('GET', '/tasks', 'tasks.find'),
      route('POST', '/tasks/:documentId/claim', 'tasks.claim'),
      route('POST', '/tasks/:documentId/unclaim', 'tasks.unclaim'),
      route('POST', '/tasks/:documentId/complete', 'tasks.complete'),
      route('POST', '/invoices/:documentId/manual-payments', 'payments.create'),
      route('POST', '/jobs/:name/run', 'jobs.run'),
      route('GET', '/mrr', 'mrr.find'),
      route('GET', '/reports/monthly/:month', 'reports.findOne'),
      route('POST', '/reports/monthly/:month/revisions', 'reports.regenerate'),
      { method: 'POST', path: '/stripe/webhook', handler: 'stripe.webhook', config: { auth: false, policies: [] } },
    ],
  },
  admin,
};
