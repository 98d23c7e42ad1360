import type { Core } from '@strapi/strapi';
import { getService } from './utils';

/** The processes' housekeeping jobs stop with the application. */
export default async ({ strapi }: { strapi: Core.Strapi }) => {
  await getService(strapi, 'schedules').stopAll();
};
