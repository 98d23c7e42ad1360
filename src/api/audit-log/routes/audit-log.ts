/**
 * The audit log is append-only and written by the application itself: read-only over REST.
 * Who may call each route is decided per role in src/setup/permissions.ts.
 */
import { factories } from '@strapi/strapi';

export default factories.createCoreRouter('api::audit-log.audit-log', { only: ['find', 'findOne'] });
