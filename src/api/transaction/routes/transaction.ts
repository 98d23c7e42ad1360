/**
 * Transactions are recorded by payments (Stripe webhooks, counter payments), never typed in over REST.
 * Who may call each route is decided per role in src/setup/permissions.ts.
 */
import { factories } from '@strapi/strapi';

export default factories.createCoreRouter('api::transaction.transaction', { only: ['find', 'findOne'] });
