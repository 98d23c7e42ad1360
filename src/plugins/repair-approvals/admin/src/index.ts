import { SealCheck } from '@strapi/icons';
import { ACTIONS, PLUGIN_ID } from './pluginId';

/**
 * The plugin's admin panel: a main-menu entry, "Approvals", opening the overview, the requests,
 * a request and a certificate (pages/App.tsx), for admins who may read approvals.
 */
export default {
  register(app: any) {
    app.addMenuLink({
      to: `plugins/${PLUGIN_ID}`,
      icon: SealCheck,
      intlLabel: { id: `${PLUGIN_ID}.plugin.name`, defaultMessage: 'Approvals' },
      permissions: [{ action: ACTIONS.readApprovals, subject: null }],
      Component: () => import('./pages/App'),
    });
    app.registerPlugin({ id: PLUGIN_ID, name: 'Approvals' });
  },

  async registerTrads() {
    return [];
  },
};
