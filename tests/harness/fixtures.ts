import crypto from 'node:crypto';
import path from 'node:path';
import type { Core } from '@strapi/strapi';

/** Small builders for billing records, written through the Document Service like the app does. */
const docs = (strapi: Core.Strapi, uid: string) => strapi.documents(uid as any) as any;

/** Loads a module of the compiled app (the same instance Strapi runs, not a second copy). */
export const appModule = (relative: string) => require(path.resolve(__dirname, '..', '..', 'dist', 'src', relative));

const unique = () => crypto.randomBytes(3).toString('hex');

export const createPlan = (strapi: Core.Strapi, overrides: Record<string, unknown> = {}) =>
  docs(strapi, 'api::plan.plan').create({
    data: {
      code: `plan-${unique()}`,
      name: 'Complete Care',
      priceMinor: 54900,
      currency: 'USD',
      termMonths: 12,
      taxRateBps: 825,
      active: true,
      addOns: [{ code: 'roadside', name: 'Roadside assistance', feeMinor: 6000, taxable: false, billing: 'recurring' }],
      ...overrides,
    },
    populate: ['addOns'],
  });

export const createCustomer = (strapi: Core.Strapi, overrides: Record<string, unknown> = {}) =>
  docs(strapi, 'api::customer.customer').create({
    data: { name: 'Maria Gonzalez', email: `maria-${unique()}@example.com`, phone: '+1 512 555 0101', ...overrides },
  });

export const createServicePlan = async (strapi: Core.Strapi, overrides: Record<string, unknown> = {}) => {
  const plan = (overrides.plan as any) ?? (await createPlan(strapi));
  const customer = (overrides.customer as any) ?? (await createCustomer(strapi));
  const servicePlan = await docs(strapi, 'api::service-plan.service-plan').create({
    data: {
      state: 'Pending',
      autoRenew: true,
      addOnCodes: [],
      paymentMethod: 'manual',
      renewalCount: 0,
      ...overrides,
      plan: plan.documentId,
      customer: customer.documentId,
    },
  });
  return { plan, customer, servicePlan };
};

const day = 24 * 60 * 60 * 1000;
const shift = (days: number) => new Date(Date.now() + days * day).toISOString().slice(0, 10);

/** An Active plan (as the process leaves it) ending in `endsIn` days. */
export const createActivePlan = async (strapi: Core.Strapi, endsIn: number, overrides: Record<string, unknown> = {}) => {
  const plan = (overrides.plan as any) ?? (await createPlan(strapi));
  const { servicePlan, customer } = await createServicePlan(strapi, { ...overrides, plan });
  await strapi.db.query('api::service-plan.service-plan').update({ where: { id: servicePlan.id }, data: { state: 'Processing' } });
  await strapi.db.query('api::service-plan.service-plan').update({
    where: { id: servicePlan.id },
    data: { state: 'Active', startDate: shift(endsIn - 365), endDate: shift(endsIn), currentPeriodStart: shift(endsIn - 365), currentPeriodEnd: shift(endsIn), recurringMinor: 60900 },
  });
  return { servicePlan, customer, plan };
};

/**
 * Sets `jobs.renewalLeadDays` of the running app (default: a whole 12-month term and more), so a
 * test may renew a plan it has just bought; returns what puts the setting back.
 */
export const setRenewalLeadDays = (strapi: Core.Strapi, days = 400) => {
  const key = 'plugin::plan-renewals.jobs.renewalLeadDays';
  const before = strapi.config.get(key);
  strapi.config.set(key, days);
  return () => strapi.config.set(key, before);
};

/** An Open invoice for a new Processing service plan, priced by the invoice service. */
export const createOpenInvoice = async (strapi: Core.Strapi) => {
  const { plan, customer, servicePlan } = await createServicePlan(strapi);
  await setStatus(strapi, 'api::service-plan.service-plan', servicePlan.documentId, 'Processing');
  const invoice = await strapi.service('api::invoice.invoice').issue({
    customer,
    servicePlan,
    plan,
    kind: 'new',
    period: { start: '2026-01-15', end: '2027-01-15' },
    issuedOn: '2026-01-15',
  });
  return { plan, customer, servicePlan, invoice };
};

export const recordPayment = (strapi: Core.Strapi, invoice: any, status = 'Success') =>
  docs(strapi, 'api::transaction.transaction').create({
    data: {
      invoice: invoice.documentId,
      amountMinor: invoice.totalMinor,
      currency: invoice.currency,
      state: status,
      provider: 'manual',
      providerReference: `COUNTER-${invoice.number}-${unique()}`,
      occurredAt: new Date().toISOString(),
    },
  });

export const setStatus = (strapi: Core.Strapi, uid: string, documentId: string, status: string) =>
  docs(strapi, uid).update({ documentId, data: { state: status } });

export const auditEntries = (strapi: Core.Strapi, documentId: string) =>
  strapi.db.query('api::audit-log.audit-log').findMany({
    where: { entityDocumentId: documentId },
    orderBy: { id: 'asc' },
  });
