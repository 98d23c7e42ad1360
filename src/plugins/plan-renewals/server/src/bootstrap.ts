import type { Core } from '@strapi/strapi';

/**
 * Creates the analytics table Strapi does not manage. The scheduled jobs are started by the
 * application once its own bootstrap is done (src/index.ts), so their catch-up sees a complete
 * database; `destroy` stops them.
 */
export default async ({ strapi }: { strapi: Core.Strapi }) => {
  await strapi.plugin('plan-renewals').service('mrr').ensureTables();
};
