/**
 * Service plans are created by a purchase; over REST staff read them and change what the guards allow.
 * Who may call each route is decided per role in src/setup/permissions.ts.
 */
import { factories } from '@strapi/strapi';

export default factories.createCoreRouter('api::service-plan.service-plan', { only: ['find', 'findOne', 'update'] });
