import type { Core } from '@strapi/strapi';
import { CalendarDate, Period, addCalendarMonths, addDays, nextPeriod, recurringPerTerm } from '../domain';
import { runAs } from '../guards/actor';
import { readEnvironment } from '../setup/environment';
import { DEMO_CUSTOMERS, DEMO_PLANS, DemoCustomer } from './catalog';

/**
 * Demo data for an auto repair shop: the catalog, a dozen customers, and each customer's plan
 * taken through its story (bought, paid, renewed, lapsed, abandoned...) by the same guarded
 * writes the application makes, so the audit trail of the demo is real too. Idempotent: plans are
 * matched by code and customers by email, and a customer who already has a plan is left alone.
 */
export const seedDemoData = async (strapi: Core.Strapi, today: CalendarDate = new Date().toISOString().slice(0, 10)) =>
  runAs({ type: 'system', name: 'demo data' }, async () => {
    const plans = new Map<string, any>();
    for (const definition of DEMO_PLANS) {
      const existing = await strapi.documents('api::plan.plan').findFirst({
        filters: { code: definition.code },
        populate: ['addOns'],
      });
      plans.set(
        definition.code,
        existing ??
          (await strapi.documents('api::plan.plan').create({ data: definition as any, populate: ['addOns'] })),
      );
    }

    let created = 0;
    for (const story of DEMO_CUSTOMERS) {
      const existing = await strapi.documents('api::customer.customer').findFirst({
        filters: { email: story.email },
        populate: ['servicePlans'],
      });
      if (existing && (existing as any).servicePlans?.length) continue;
      await strapi.db.transaction(async () => {
        const customer =
          existing ??
          (await strapi.documents('api::customer.customer').create({
            data: { name: story.name, email: story.email, phone: story.phone },
          }));
        await tellStory(strapi, customer, plans.get(story.plan), story, today);
      });
      created += 1;
    }
    return { plans: plans.size, customersWithPlans: created };
  });

/** Seeds on first start, unless SEED_DEMO_DATA=false or the database already holds billing data. */
export const seedDemoDataIfEmpty = async (strapi: Core.Strapi): Promise<void> => {
  if (!readEnvironment().SEED_DEMO_DATA) return;
  const existing =
    (await strapi.db.query('api::plan.plan').count()) + (await strapi.db.query('api::customer.customer').count());
  if (existing > 0) return;
  const result = await seedDemoData(strapi);
  // The demo's past months of MRR, from what its invoices paid for, so the charts have a history.
  const month = new Date().toISOString().slice(0, 7);
  for (let back = 11; back >= 1; back -= 1) {
    await strapi.plugin('plan-renewals').service('mrr').backfill(addCalendarMonths(month, -back));
  }
  strapi.log.info(`Demo data: ${result.plans} plans and ${result.customersWithPlans} customers with service plans`);
};

const servicePlans = (strapi: Core.Strapi) => strapi.documents('api::service-plan.service-plan');
const invoices = (strapi: Core.Strapi) => strapi.documents('api::invoice.invoice');

const tellStory = async (strapi: Core.Strapi, customer: any, plan: any, story: DemoCustomer, today: CalendarDate) => {
  const boughtOn = addDays(today, -story.startedDaysAgo);
  let servicePlan: any = await servicePlans(strapi).create({
    data: {
      customer: customer.documentId,
      plan: plan.documentId,
      state: 'Pending',
      vehicle: story.vehicle,
      autoRenew: story.autoRenew,
      addOnCodes: story.addOns,
      paymentMethod: story.paymentMethod,
      renewalCount: 0,
    } as any,
  });
  const setStatus = async (status: string, extra: Record<string, unknown> = {}) => {
    servicePlan = await servicePlans(strapi).update({
      documentId: servicePlan.documentId,
      data: { state: status, ...extra } as any,
    });
  };
  if (story.outcome === 'pending') return;

  await setStatus('Processing');
  const first = nextPeriod({ termMonths: plan.termMonths, today: boughtOn });
  const firstInvoice = await issue(strapi, customer, servicePlan, plan, 'new', first, boughtOn);
  if (story.outcome === 'processing') return;
  if (story.outcome === 'cancelled') {
    await invoices(strapi).update({ documentId: firstInvoice.documentId, data: { state: 'Void' } as any });
    await setStatus('Cancelled');
    return;
  }

  await pay(strapi, firstInvoice, story, boughtOn);
  const recurringMinor = recurringPerTerm({ ...plan, chosenAddOnCodes: story.addOns }).amountMinor;
  await setStatus('Active', { startDate: first.start, endDate: first.end, recurringMinor });
  if (story.outcome === 'active') return;
  if (story.outcome === 'expired') {
    await setStatus('Expired');
    return;
  }

  // Renewal: on time, three days before the period ends.
  const renewedOn = addDays(first.end, -3);
  await setStatus('Processing');
  const second = nextPeriod({ termMonths: plan.termMonths, today: renewedOn, previousEnd: first.end });
  const renewal = await issue(strapi, customer, servicePlan, plan, 'renewal', second, renewedOn);
  if (story.outcome === 'past-due') {
    await strapi.documents('api::transaction.transaction').create({
      data: {
        invoice: renewal.documentId,
        amountMinor: renewal.totalMinor,
        currency: renewal.currency,
        state: 'Failed',
        provider: 'stripe',
        providerReference: `pi_demo_${renewal.number.replace(/-/g, '_')}`,
        failureReason: 'Your card was declined. (card_declined)',
        occurredAt: `${renewedOn}T09:05:00.000Z`,
      } as any,
    });
    await setStatus('PastDue');
    return;
  }
  await pay(strapi, renewal, story, renewedOn);
  await setStatus('Active', { startDate: second.start, endDate: second.end, renewalCount: 1, recurringMinor });
};

const issue = (
  strapi: Core.Strapi,
  customer: any,
  servicePlan: any,
  plan: any,
  kind: 'new' | 'renewal',
  period: Period,
  issuedOn: CalendarDate,
) => strapi.service('api::invoice.invoice').issue({ customer, servicePlan, plan, kind, period, issuedOn });

const pay = async (strapi: Core.Strapi, invoice: any, story: DemoCustomer, paidOn: CalendarDate) => {
  const reference =
    story.paymentMethod === 'stripe' ? `pi_demo_${invoice.number.replace(/-/g, '_')}` : `COUNTER-${invoice.number}`;
  await strapi.documents('api::transaction.transaction').create({
    data: {
      invoice: invoice.documentId,
      amountMinor: invoice.totalMinor,
      currency: invoice.currency,
      state: 'Success',
      provider: story.paymentMethod,
      providerReference: reference,
      occurredAt: `${paidOn}T09:05:00.000Z`,
    } as any,
  });
  await invoices(strapi).update({
    documentId: invoice.documentId,
    data: { state: 'Paid', paidAt: `${paidOn}T09:05:00.000Z` } as any,
  });
};
