import type { Core } from '@strapi/strapi';
import { MONEY_FIELDS, PLUGIN_ID } from './fields';

/**
 * Money is a plugin of its own, not a part of plan-renewals or of the app's register: every
 * billing type uses it (invoices, payments, plans, add-ons, MRR), and a custom field needs a
 * server half and an admin half registered together under one plugin id, as Strapi's own
 * custom-field plugins (color-picker) do.
 */
export default {
  register({ strapi }: { strapi: Core.Strapi }) {
    strapi.customFields.register(MONEY_FIELDS.map(({ name, type }) => ({ name, plugin: PLUGIN_ID, type })));
  },
};
