import { Calendar } from '@strapi/icons';
import { ACTIONS, PLUGIN_ID } from './pluginId';
import { ServicePlanRuns } from './components/ServicePlanRuns';

/**
 * The plugin's admin panel: a main-menu entry opening the Overview, Runs, Tasks, Reports and
 * Settings pages (pages/App.tsx), and, in the content manager's edit view of a service plan, a
 * box to start its renewal and follow its runs.
 */
export default {
  register(app: any) {
    app.addMenuLink({
      to: `plugins/${PLUGIN_ID}`,
      icon: Calendar,
      intlLabel: { id: `${PLUGIN_ID}.plugin.name`, defaultMessage: 'Plan renewals' },
      permissions: [{ action: ACTIONS.readDashboard, subject: null }],
      Component: () => import('./pages/App'),
    });
    app.registerPlugin({ id: PLUGIN_ID, name: 'Plan renewals' });
  },

  bootstrap(app: any) {
    app.getPlugin('content-manager').injectComponent('editView', 'right-links', {
      name: `${PLUGIN_ID}-service-plan-runs`,
      Component: ServicePlanRuns,
    });
  },

  async registerTrads() {
    return [];
  },
};
