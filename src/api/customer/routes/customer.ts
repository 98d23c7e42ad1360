/**
 * Customers are created and edited by staff; never deleted over REST, since invoices refer to them.
 * Who may call each route is decided per role in src/setup/permissions.ts.
 */
import { factories } from '@strapi/strapi';

export default factories.createCoreRouter('api::customer.customer', { only: ['find', 'findOne', 'create', 'update'] });
