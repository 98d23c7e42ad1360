import type { Core } from '@strapi/strapi';
import { getService } from '../../../workflows/server/src/utils';
import { TRANSIT_PASS, TRANSIT_PASS_V1 } from './domain';
import { TRANSIT_HANDLERS, TRANSIT_HANDLERS_V1 } from './services/steps';

/** Declares the transit pass process to the engine, which runs it and keeps its runs and tasks. */
export default ({ strapi }: { strapi: Core.Strapi }) => {
  getService(strapi, 'registry').register(TRANSIT_PASS_V1, TRANSIT_HANDLERS_V1);
  getService(strapi, 'registry').register(TRANSIT_PASS, TRANSIT_HANDLERS);
};
