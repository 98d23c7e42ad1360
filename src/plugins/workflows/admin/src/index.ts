import { NumberList } from '@strapi/icons';
import { ACTIONS, PLUGIN_ID } from './pluginId';

/**
 * The engine's admin panel: a main-menu entry, Processes, opening the runs and tasks the engine
 * keeps for every process it runs (pages/App.tsx). The pages know no process: every label comes
 * with the data, from the definitions the server holds.
 */
export default {
  register(app: any) {
    app.addMenuLink({
      to: `plugins/${PLUGIN_ID}`,
      icon: NumberList,
      intlLabel: { id: `${PLUGIN_ID}.plugin.name`, defaultMessage: 'Processes' },
      permissions: [{ action: ACTIONS.readRuns, subject: null }],
      Component: () => import('./pages/App'),
    });
    app.registerPlugin({ id: PLUGIN_ID, name: 'Processes' });
  },

  async registerTrads() {
    return [];
  },
};
