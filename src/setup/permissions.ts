import type { Core } from '@strapi/strapi';
import { getService } from '../plugins/workflows/server/src/utils';

/**
 * Users-permissions roles of the staff, and exactly what each may do over REST. The public and
 * plain authenticated roles get nothing of billing data. Routes that no role may call (deleting
 * billing records, writing transactions or the audit log) are not even registered: see each
 * src/api/<type>/routes file.
 *
 * | content type  | Finance Officer         | Customer Success              |
 * |---------------|-------------------------|-------------------------------|
 * | customer      | find, findOne           | find, findOne, create, update |
 * | plan          | find, findOne           | find, findOne                 |
 * | service-plan  | find, findOne           | find, findOne, update         |
 * | invoice       | find, findOne, update   | find, findOne                 |
 * | transaction   | find, findOne           | -                             |
 * | audit-log     | find, findOne           | -                             |
 *
 * plan-renewals and workflows routes: purchases, renewals, runs, the caller's role's tasks (list,
 * claim, give back, complete) for both roles; counter payments, running a scheduled job now, MRR and monthly
 * reports for Finance only.
 */
/** The process routes both staff roles use; tasks are further limited to their own role. */
const PROCESS_ACTIONS = [
  'plugin::plan-renewals.purchases.create',
  'plugin::plan-renewals.renewals.create',
  'plugin::plan-renewals.runs.findOne',
  'plugin::plan-renewals.tasks.find',
  'plugin::plan-renewals.tasks.claim',
  'plugin::plan-renewals.tasks.unclaim',
  'plugin::plan-renewals.tasks.complete',
  // The engine's routes over every process: the caller's role's tasks and any run.
  'plugin::workflows.tasks.find',
  'plugin::workflows.tasks.claim',
  'plugin::workflows.tasks.unclaim',
  'plugin::workflows.tasks.complete',
  'plugin::workflows.runs.findOne',
] as const;

export const STAFF_ROLES = [
  {
    type: 'finance',
    name: 'Finance Officer',
    description: 'Verifies and records payments, voids or writes off invoices, reads the audit trail.',
    actions: [
      'api::customer.customer.find',
      'api::customer.customer.findOne',
      'api::plan.plan.find',
      'api::plan.plan.findOne',
      'api::service-plan.service-plan.find',
      'api::service-plan.service-plan.findOne',
      'api::invoice.invoice.find',
      'api::invoice.invoice.findOne',
      'api::invoice.invoice.update',
      'api::transaction.transaction.find',
      'api::transaction.transaction.findOne',
      'api::audit-log.audit-log.find',
      'api::audit-log.audit-log.findOne',
      ...PROCESS_ACTIONS,
      'plugin::plan-renewals.payments.create',
      'plugin::plan-renewals.jobs.run',
      'plugin::plan-renewals.mrr.find',
      'plugin::plan-renewals.reports.findOne',
      'plugin::plan-renewals.reports.regenerate',
      // Transit passes: the day's takings and the monthly subscription report; an order, and a
      // card payment that did not match it accepted or refunded.
      'plugin::transit-passes.revenue.daily',
      'plugin::transit-passes.reports.monthly',
      'plugin::transit-passes.orders.findOne',
      'plugin::transit-passes.orders.resolvePayment',
    ],
  },
  {
    type: 'customer-success',
    name: 'Customer Success',
    description: 'Looks after customers and their plans: contact data, auto-renewal, quality checks.',
    actions: [
      'api::customer.customer.find',
      'api::customer.customer.findOne',
      'api::customer.customer.create',
      'api::customer.customer.update',
      'api::plan.plan.find',
      'api::plan.plan.findOne',
      'api::service-plan.service-plan.find',
      'api::service-plan.service-plan.findOne',
      'api::service-plan.service-plan.update',
      'api::invoice.invoice.find',
      'api::invoice.invoice.findOne',
      ...PROCESS_ACTIONS,
      // Transit passes: selling and renewing them, reading an order and a pass's validity.
      'plugin::transit-passes.orders.create',
      'plugin::transit-passes.orders.findOne',
      'plugin::transit-passes.passes.renew',
      'plugin::transit-passes.passes.validity',
    ],
  },
] as const;

/** What every signed-in staff member needs for their own account. */
const ACCOUNT_ACTIONS = [
  'plugin::users-permissions.user.me',
  'plugin::users-permissions.auth.changePassword',
  // Signing out (ends the session: its refresh and access tokens stop working).
  'plugin::users-permissions.auth.logout',
];

/**
 * What the roles of the repair-estimate approval process may do besides their tasks: account
 * managers write and submit requests for their customers; every role of the process reads a
 * request and a certificate; the Finance Manager and the Executive read the monthly summary.
 */
const RA = 'plugin::repair-approvals';
const READ_APPROVALS = [`${RA}.requests.findOne`, `${RA}.certificates.findOne`];
const TP = 'plugin::transit-passes';
export const PROCESS_ROLE_ACTIONS: Readonly<Record<string, readonly string[]>> = {
  // Transit passes: Billing sells and renews passes at the desk and reads the day's takings and the
  // monthly report; Verification checks riders' proof; both read orders and passes' validity.
  billing: ['api::customer.customer.find', 'api::customer.customer.findOne', `${TP}.orders.create`, `${TP}.orders.findOne`, `${TP}.passes.renew`, `${TP}.passes.validity`, `${TP}.revenue.daily`, `${TP}.reports.monthly`],
  verification: ['api::customer.customer.findOne', `${TP}.orders.findOne`, `${TP}.passes.validity`],
  'account-manager': ['api::customer.customer.find', 'api::customer.customer.findOne', `${RA}.requests.create`, `${RA}.requests.update`, `${RA}.requests.submit`, ...READ_APPROVALS],
  compliance: READ_APPROVALS,
  'finance-manager': [...READ_APPROVALS, `${RA}.reports.findOne`],
  executive: [...READ_APPROVALS, `${RA}.reports.findOne`],
};

/** The engine's routes: what a member of any task role needs for the work of that role. */
const WORK_ACTIONS = PROCESS_ACTIONS.filter((action) => action.startsWith('plugin::workflows.'));

/**
 * The task roles the registered processes declare that the table above does not: each becomes a
 * users-permissions role named by its declaration, with the engine's task and run routes (a
 * process plugin grants its own routes to its roles).
 */
const processRoles = (strapi: Core.Strapi) => {
  const known = new Set<string>(STAFF_ROLES.map((role) => role.type));
  return getService(strapi, 'registry')
    .roles()
    .filter((role) => !known.has(role.id))
    .map((role) => ({
      type: role.id,
      name: role.label,
      description: `Works on the ${role.label} tasks of the processes.`,
      actions: [...WORK_ACTIONS, ...(PROCESS_ROLE_ACTIONS[role.id] ?? [])],
    }));
};

const ROLE_UID = 'plugin::users-permissions.role';
const PERMISSION_UID = 'plugin::users-permissions.permission';

/**
 * Creates the staff roles and grants their permissions. Safe to run at every start: it only adds
 * what is missing, so permissions an administrator granted by hand are kept.
 */
export const ensureStaffRoles = async (strapi: Core.Strapi): Promise<void> => {
  for (const definition of [...STAFF_ROLES, ...processRoles(strapi)]) {
    let role = await strapi.db.query(ROLE_UID).findOne({ where: { type: definition.type } });
    if (!role) {
      role = await strapi.db.query(ROLE_UID).create({
        data: { name: definition.name, description: definition.description, type: definition.type },
      });
    }
    for (const action of [...definition.actions, ...ACCOUNT_ACTIONS]) {
      const existing = await strapi.db.query(PERMISSION_UID).findOne({ where: { action, role: { id: role.id } } });
      if (!existing) await strapi.db.query(PERMISSION_UID).create({ data: { action, role: role.id } });
    }
  }
};
