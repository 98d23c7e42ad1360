import { PriceTag } from '@strapi/icons';
import { MONEY_FIELDS, PLUGIN_ID } from '../../server/src/fields';
import { withMoneyCells } from './list-cells';

/**
 * The admin half of the money fields: the edit-view input (components/MoneyInput) and, in the
 * content manager's lists, cells that show the amount in the row's currency.
 */
export default {
  register(app: any) {
    app.registerPlugin({ id: PLUGIN_ID, name: 'Money' });
    app.customFields.register(
      MONEY_FIELDS.map((field) => ({
        name: field.name,
        pluginId: PLUGIN_ID,
        type: field.type,
        intlLabel: { id: `${PLUGIN_ID}.${field.name}.label`, defaultMessage: field.label },
        intlDescription: { id: `${PLUGIN_ID}.${field.name}.description`, defaultMessage: field.description },
        icon: PriceTag,
        components: { Input: async () => import('./components/MoneyInput') },
      })),
    );
  },

  bootstrap(app: any) {
    // The content manager's supported way to change list cells (i18n and review-workflows add
    // their columns the same way): a cell formatter for each money column.
    app.registerHook('Admin/CM/pages/ListView/inject-column-in-table', withMoneyCells);
  },

  async registerTrads() {
    return [];
  },
};
