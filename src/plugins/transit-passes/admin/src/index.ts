import { Train } from '@strapi/icons';
import { ACTIONS, PLUGIN_ID } from './pluginId';

/**
 * The transit process's admin panel: a main-menu entry, Transit, for the admins holding its read
 * action (pages/App.tsx): the day's revenue, passes in force, orders, card stock and the monthly
 * report.
 */
export default {
  register(app: any) {
    app.addMenuLink({
      to: `plugins/${PLUGIN_ID}`,
      icon: Train,
      intlLabel: { id: `${PLUGIN_ID}.plugin.name`, defaultMessage: 'Transit' },
      permissions: [{ action: ACTIONS.read, subject: null }],
      Component: () => import('./pages/App'),
    });
    app.registerPlugin({ id: PLUGIN_ID, name: 'Transit' });
  },

  async registerTrads() {
    return [];
  },
};
