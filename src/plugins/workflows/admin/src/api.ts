import { useRBAC } from '@strapi/strapi/admin';
import { pluginApi } from '../../../../admin-shared/api';
import { ACTIONS, PLUGIN_ID } from './pluginId';

/** The engine's admin API (server/src/routes/admin.ts), through the panel's shared hooks. */
export const { apiPath, useResource, useAction } = pluginApi(PLUGIN_ID);

/** What the signed-in admin may do beyond reading (the server checks again on every request). */
export const useAllowed = () => {
  const { allowedActions, isLoading } = useRBAC([
    { action: ACTIONS.manageRuns, subject: null },
    { action: ACTIONS.reassignTasks, subject: null },
  ]);
  return { manage: !isLoading && allowedActions.canManage === true, reassign: !isLoading && allowedActions.canReassign === true };
};

/** A process the engine runs, as GET /processes lists it. */
export interface ProcessSummary {
  id: string;
  name: string;
  version: number;
  roles: { id: string; label: string }[];
  stepCount: number;
}

export type { PageOf } from '../../../../admin-shared/api';
