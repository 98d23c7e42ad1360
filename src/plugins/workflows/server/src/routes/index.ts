/**
 * The engine's REST routes, under /api/workflows, for every process. Each is a users-permissions
 * action granted to the staff roles in src/setup/permissions.ts; claiming, giving back and
 * completing a task are further limited to the task's own role by its process. The admin panel's
 * routes are in routes/admin.ts.
 */
import { route } from '../http';
import admin from './admin';

export default {
  'content-api': {
    type: 'content-api',
    routes: [
      route('GET', '/tasks', 'tasks.find'),
      route('POST', '/tasks/:documentId/claim', 'tasks.claim'),
      route('POST', '/tasks/:documentId/unclaim', 'tasks.unclaim'),
      route('POST', '/tasks/:documentId/complete', 'tasks.complete'),
      route('GET', '/runs/:documentId', 'runs.findOne'),
    ],
  },
  admin,
};
