import type { Core } from '@strapi/strapi';
import { getService } from './utils';

/** Every plugin has registered by now: the list of processes is closed, and logged. */
export default ({ strapi }: { strapi: Core.Strapi }) => {
  const registry = getService(strapi, 'registry');
  registry.close();
  const registered = registry.list().map(({ definition }) => `${definition.id} v${definition.version}`);
  strapi.log.info(`Workflows registered: ${registered.join(', ') || 'none'}`);
};
