import type { Core } from '@strapi/strapi';

/** Nothing to set up: process plugins register their definitions with the registry service from their own register(). */
export default (_: { strapi: Core.Strapi }) => {};
