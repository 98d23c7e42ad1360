/**
 * The process's REST routes, under /api/repair-approvals. Each is a users-permissions action
 * granted to the roles that need it in src/setup/permissions.ts (API tokens by their own
 * permissions). The admin pages' routes (`admin`, under /repair-approvals on the admin API) need
 * the admin action "Read approvals".
 */
import { route } from '../../../../workflows/server/src/http';
import admin from './admin';

export default {
  'content-api': {
    type: 'content-api',
    routes: [
      route('POST', '/requests', 'requests.create'),
      route('PUT', '/requests/:documentId', 'requests.update'),
      route('POST', '/requests/:documentId/submit', 'requests.submit'),
      route('GET', '/requests/:documentId', 'requests.findOne'),
      route('GET', '/certificates/:number', 'certificates.findOne'),
      route('GET', '/reports/monthly/:month', 'reports.findOne'),
    ],
  },
  admin,
};
