import type { Core } from '@strapi/strapi';
import services from './services';

type Services = { [Name in keyof typeof services]: ReturnType<(typeof services)[Name]> };

/** A repair-approvals service, typed (as Strapi's own plugins fetch theirs). */
export const ownService = <Name extends keyof Services>(strapi: Core.Strapi, name: Name): Services[Name] =>
  strapi.plugin('repair-approvals').service(name) as Services[Name];
