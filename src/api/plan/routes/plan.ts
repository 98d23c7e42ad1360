/**
 * The catalog is read over REST; it is edited in the admin panel.
 * Who may call each route is decided per role in src/setup/permissions.ts.
 */
import { factories } from '@strapi/strapi';

export default factories.createCoreRouter('api::plan.plan', { only: ['find', 'findOne'] });
