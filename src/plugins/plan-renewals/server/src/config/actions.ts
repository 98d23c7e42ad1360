/**
 * The plugin's admin-panel permissions (RBAC actions) and the two admin roles created with them.
 * Each admin route names the action it needs (routes/admin.ts); the admin pages hide what the
 * signed-in admin may not do, but the server decides.
 */
import type { TaskRole } from '../domain';

export const PLUGIN = 'plan-renewals';

export const ADMIN_ACTIONS = {
  readDashboard: `plugin::${PLUGIN}.dashboard.read`,
  readRuns: `plugin::${PLUGIN}.runs.read`,
  manageRuns: `plugin::${PLUGIN}.runs.manage`,
  financeTasks: `plugin::${PLUGIN}.tasks.finance`,
  customerSuccessTasks: `plugin::${PLUGIN}.tasks.customer-success`,
  reassignTasks: `plugin::${PLUGIN}.tasks.reassign`,
  readReports: `plugin::${PLUGIN}.reports.read`,
  readSettings: `plugin::${PLUGIN}.settings.read`,
} as const;

/** The action that lets an admin claim and complete the tasks of a role: one for each role the process declares. */
export const TASK_ACTION_OF_ROLE: Record<TaskRole, string> = {
  finance: ADMIN_ACTIONS.financeTasks,
  'customer-success': ADMIN_ACTIONS.customerSuccessTasks,
};

const action = (uid: string, displayName: string, subCategory: string) => ({
  section: 'plugins',
  pluginName: PLUGIN,
  subCategory,
  displayName,
  uid: uid.slice(`plugin::${PLUGIN}.`.length),
});

/** As the admin permission provider registers them (`uid` relative to the plugin). */
export const ACTION_DEFINITIONS = [
  action(ADMIN_ACTIONS.readDashboard, 'Read the overview', 'overview'),
  action(ADMIN_ACTIONS.readRuns, 'Read runs', 'runs'),
  action(ADMIN_ACTIONS.manageRuns, 'Start, retry and cancel runs', 'runs'),
  action(ADMIN_ACTIONS.financeTasks, 'Claim and complete Finance tasks', 'tasks'),
  action(ADMIN_ACTIONS.customerSuccessTasks, 'Claim and complete Customer Success tasks', 'tasks'),
  action(ADMIN_ACTIONS.reassignTasks, 'Reassign tasks to a member of their role', 'tasks'),
  action(ADMIN_ACTIONS.readReports, 'Read monthly reports', 'reports'),
  action(ADMIN_ACTIONS.readSettings, 'Read settings', 'settings'),
];

interface Permission {
  action: string;
  subject: string | null;
}

const plugin = (...uids: string[]): Permission[] => uids.map((uid) => ({ action: uid, subject: null }));

/** Content-manager read access to the records the plugin pages link to. */
const read = (...subjects: string[]): Permission[] =>
  subjects.map((subject) => ({ action: 'plugin::content-manager.explorer.read', subject }));

const A = ADMIN_ACTIONS;

/** Admin roles of the staff, created at bootstrap when missing (an admin may change them later). */
export const ADMIN_ROLES = [
  {
    code: 'plan-renewals-finance',
    name: 'Finance',
    description: 'Verifies payments, reads revenue reports and the audit trail.',
    permissions: [
      ...plugin(A.readDashboard, A.readRuns, A.manageRuns, A.financeTasks, A.readReports, A.readSettings),
      ...read('api::customer.customer', 'api::service-plan.service-plan', 'api::plan.plan', 'api::invoice.invoice', 'api::transaction.transaction', 'api::audit-log.audit-log'),
    ],
  },
  {
    code: 'plan-renewals-customer-success',
    name: 'Customer Success',
    description: 'Sells and renews plans and checks the work after activation.',
    permissions: [
      ...plugin(A.readDashboard, A.readRuns, A.manageRuns, A.customerSuccessTasks),
      ...read('api::customer.customer', 'api::service-plan.service-plan', 'api::plan.plan'),
    ],
  },
];
