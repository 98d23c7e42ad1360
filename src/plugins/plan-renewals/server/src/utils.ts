import type { Core } from '@strapi/strapi';
import services from './services';

type Services = { [Name in keyof typeof services]: ReturnType<(typeof services)[Name]> };

/** A plan-renewals service, typed (as Strapi's own plugins fetch theirs). */
export const ownService = <Name extends keyof Services>(strapi: Core.Strapi, name: Name): Services[Name] =>
  strapi.plugin('plan-renewals').service(name) as Services[Name];
