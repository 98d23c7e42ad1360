import * as React from 'react';
import { useAuth } from '@strapi/strapi/admin';
import { pluginApi } from '../../../../admin-shared/api';
import { PLUGIN_ID } from './pluginId';

/** The plugin's admin API (server/src/routes/admin.ts), through the panel's shared hooks. */
export const { apiPath, useResource, useAction, useDownload } = pluginApi(PLUGIN_ID);

/** Whether the signed-in admin holds an action (the server checks again on every request). */
export const useCan = () => {
  const permissions = useAuth('plan-renewals', (state: any) => state.permissions) as { action: string }[];
  return React.useCallback((action: string) => permissions.some((permission) => permission.action === action), [permissions]);
};
