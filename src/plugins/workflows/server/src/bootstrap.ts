import type { Core } from '@strapi/strapi';
import { getService } from './utils';

/**
 * Every plugin has registered by now: the list of processes is closed, and logged. The document
 * numbers' counters exist; the engine's admin actions are registered, and given to the roles that
 * already read a process's runs.
 */
export default async ({ strapi }: { strapi: Core.Strapi }) => {
  const registry = getService(strapi, 'registry');
  registry.close();
  const registered = registry.list().map(({ definition }) => `${definition.id} v${definition.version}`);
  strapi.log.info(`Workflows registered: ${registered.join(', ') || 'none'}`);
  await getService(strapi, 'numbers').ensureTable();
  const access = getService(strapi, 'access');
  await access.registerActions();
  await access.grantRunReading();
};
