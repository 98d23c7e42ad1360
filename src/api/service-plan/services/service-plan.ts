import { factories } from '@strapi/strapi';

export default factories.createCoreService('api::service-plan.service-plan');
