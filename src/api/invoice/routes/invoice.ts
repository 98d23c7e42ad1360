/**
 * Invoices are issued by the renewal process; over REST Finance reads them and may void or write them off.
 * Who may call each route is decided per role in src/setup/permissions.ts.
 */
import { factories } from '@strapi/strapi';

export default factories.createCoreRouter('api::invoice.invoice', { only: ['find', 'findOne', 'update'] });
