import type { Core } from '@strapi/strapi';

/**
 * Strapi creates two API tokens on the first start of an empty database, "Read Only" and "Full
 * Access", with no expiry (5.54 has no setting to skip them). Nobody asked for them and anyone who
 * ever reads one from the admin panel holds it forever, so they are removed again while no
 * administrator exists, which is the only time Strapi makes them. An administrator makes a token
 * when one is needed (README, "Running it in production").
 */
const DEFAULT_TOKENS = [
  { name: 'Read Only', type: 'read-only' },
  { name: 'Full Access', type: 'full-access' },
];

export const removeDefaultApiTokens = async (strapi: Core.Strapi): Promise<void> => {
  if ((await strapi.db.query('admin::user').count()) > 0) return;
  const tokens = await strapi.db.query('admin::api-token').findMany({
    where: { $or: DEFAULT_TOKENS.map(({ name, type }) => ({ name, type, lifespan: null })) },
    select: ['id'],
  });
  for (const token of tokens) await strapi.service('admin::api-token-content-api').revoke(token.id);
};
