import type { Core } from '@strapi/strapi';
import { getService } from '../../../workflows/server/src/utils';
import { REPAIR_APPROVAL } from './domain';
import { REPAIR_APPROVAL_HANDLERS } from './services/steps';

/** Declares the approval process to the engine, which runs it and keeps its runs and tasks. */
export default ({ strapi }: { strapi: Core.Strapi }) => {
  getService(strapi, 'registry').register(REPAIR_APPROVAL, REPAIR_APPROVAL_HANDLERS);
};
