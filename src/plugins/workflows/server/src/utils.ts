import type { Core } from '@strapi/strapi';
import services from './services';

type Services = { [Name in keyof typeof services]: ReturnType<(typeof services)[Name]> };

/** A workflows service, typed (as Strapi's own plugins fetch theirs). */
export const getService = <Name extends keyof Services>(strapi: Core.Strapi, name: Name): Services[Name] => {
  const plugin = strapi.plugin('workflows');
  if (!plugin) throw new Error('The workflows plugin is not enabled: enable it in config/plugins.ts, before the process plugins');
  return plugin.service(name) as Services[Name];
};

/** The outbox every process sends through, typed: `messages(strapi).enqueue({ channel: 'sms', ... })`. */
export const messages = (strapi: Core.Strapi) => getService(strapi, 'messages');
