import { pluginApi } from '../../../../admin-shared/api';
import { PLUGIN_ID } from './pluginId';

/** The plugin's admin API (server/src/routes/admin.ts), through the panel's shared hooks. */
export const { apiPath, useResource, useDownload } = pluginApi(PLUGIN_ID);
