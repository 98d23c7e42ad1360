import { ADMIN_ROLES as PLAN_RENEWALS_ROLES } from '../../../../plan-renewals/server/src/config/actions';

/**
 * The plugin's admin-panel permission (an RBAC action): reading the Approvals pages. Each admin
 * route names it (routes/admin.ts); the pages hide what the signed-in admin may not open, but the
 * server decides.
 */
export const PLUGIN = 'repair-approvals';

export const ADMIN_ACTIONS = {
  readApprovals: `plugin::${PLUGIN}.approvals.read`,
} as const;

/** As the admin permission provider registers them (`uid` relative to the plugin). */
export const ACTION_DEFINITIONS = [
  {
    section: 'plugins',
    pluginName: PLUGIN,
    subCategory: 'approvals',
    displayName: 'Read approvals',
    uid: ADMIN_ACTIONS.readApprovals.slice(`plugin::${PLUGIN}.`.length),
  },
];

/**
 * The staff's admin roles (created by plan-renewals, found by code) that read approvals: Finance
 * and Customer Success see the estimates their customers wait on.
 */
export const GRANTED_ROLE_CODES: readonly string[] = PLAN_RENEWALS_ROLES.map((role) => role.code);
