import type { Core } from '@strapi/strapi';
import { CalendarDate, addCalendarMonths, addDays, counted } from '../domain';
import { at } from '../plugins/plan-renewals/server/src/clock';
import { ownService } from '../plugins/plan-renewals/server/src/utils';
import type { InvoiceRecord, PrepaidRun, PrepaidTask, ServicePlanRecord } from '../plugins/plan-renewals/server/src/services/steps';
import { runAs } from '../guards/actor';
import { readEnvironment } from '../setup/environment';
import { seedApprovals } from './approvals';
import { seedTransit } from './transit';
import { DEMO_CUSTOMERS, DEMO_PLANS, DemoCustomer } from './catalog';

/**
 * Demo data for an auto repair shop: the catalog, a dozen customers, and each customer's plan
 * taken through its story by the process itself — the purchase run, the counter payment, Finance's
 * approval, Customer Success's check, the renewal run, the expiry job — each at its own date, so
 * every seeded record (runs and their steps, invoices, payments, tasks, emails, audit entries) is
 * one the application could have produced. Idempotent: plans are matched by code and customers by
 * email, and a customer who already has a plan is left alone.
 */
export const seedDemoData = async (strapi: Core.Strapi, today: CalendarDate = new Date().toISOString().slice(0, 10)) =>
  runAs({ type: 'system', name: 'demo data' }, async () => {
    const plans = new Map<string, { code?: string | null }>();
    for (const definition of DEMO_PLANS) {
      const existing = await strapi.documents('api::plan.plan').findFirst({
        filters: { code: definition.code },
        populate: ['addOns'],
      });
      plans.set(
        definition.code,
        existing ??
          (await strapi.documents('api::plan.plan').create({ data: { ...definition, addOns: [...definition.addOns] }, populate: ['addOns'] })),
      );
    }

    let created = 0;
    for (const story of DEMO_CUSTOMERS) {
      const existing = await strapi.documents('api::customer.customer').findFirst({
        filters: { email: story.email },
        populate: ['servicePlans'],
      });
      if (existing && existing.servicePlans?.length) continue;
      const customer =
        existing ??
        (await strapi.documents('api::customer.customer').create({
          data: { name: story.name, email: story.email, phone: story.phone },
        }));
      await tellStory(strapi, customer, plans.get(story.plan)!, story, today);
      created += 1;
    }
    // Each finished month's MRR closed at its end, as the daily job would have; this month live.
    const mrr = ownService(strapi, 'mrr');
    const month = today.slice(0, 7);
    const now = new Date(`${today}T12:00:00.000Z`);
    for (let back = 11; back >= 1; back -= 1) await mrr.close(addCalendarMonths(month, -back), now);
    await mrr.refresh(month, now);
    const approvals = await seedApprovals(strapi, today);
    const passOrders = await seedTransit(strapi, today);
    return { plans: plans.size, customersWithPlans: created, approvals, passOrders };
  });

/** Seeds on first start, unless SEED_DEMO_DATA=false or the database already holds billing data. */
export const seedDemoDataIfEmpty = async (strapi: Core.Strapi): Promise<void> => {
  if (!readEnvironment().SEED_DEMO_DATA) return;
  const existing =
    (await strapi.db.query('api::plan.plan').count()) + (await strapi.db.query('api::customer.customer').count());
  if (existing > 0) return;
  const result = await seedDemoData(strapi);
  strapi.log.info(`Demo data: ${counted(result.plans, 'plan')}, ${counted(result.customersWithPlans, 'customer')} with service plans, ${counted(result.approvals, 'repair estimate')} through approval, ${counted(result.passOrders, 'pass order')}`);
};

/** Runs `work` at 09:00 UTC of `date`, as the process's clock sees it. */
const on = <T>(date: CalendarDate, work: () => Promise<T>, hour = 9) => at(new Date(`${date}T${String(hour).padStart(2, '0')}:00:00.000Z`), work);

const openTask = async (strapi: Core.Strapi, run: { documentId: string }, stepId: string): Promise<PrepaidTask> =>
  (await ownService(strapi, 'follow-ups').list({ run: run.documentId, state: 'open' })).find((task) => task.stepId === stepId)!;

/** The counter payment, Finance's approval and Customer Success's check of a run, on `date`. */
const payAndActivate = async (strapi: Core.Strapi, run: PrepaidRun, date: CalendarDate) => {
  const engine = ownService(strapi, 'engine');
  const invoice = (await strapi.documents('api::invoice.invoice').findOne({ documentId: run.invoice!.documentId })) as InvoiceRecord;
  await on(date, () => engine.recordManualPayment(invoice.documentId, { amountMinor: invoice.totalMinor, currency: invoice.currency, reference: `COUNTER-${invoice.number}` }), 9);
  const verify = await openTask(strapi, run, 'verify-payment');
  await on(date, () => engine.completeTask(verify.documentId, { outcome: 'approved', note: 'paid at the counter' }, ['finance']), 10);
  const check = await openTask(strapi, run, 'quality-check');
  await on(date, () => engine.completeTask(check.documentId, { outcome: 'passed' }, ['customer-success']), 15);
};

/** The daily expiry job of `date`: renewals paid early become current, lapsed plans go PastDue or Expired. */
const expiryJob = async (strapi: Core.Strapi, date: CalendarDate) =>
  runAs({ type: 'system', name: 'expiry' }, async () => {
    const payments = ownService(strapi, 'card-payments');
    await on(date, () => payments.advanceCurrentPeriods(date), 0);
    await on(date, () => payments.expireLapsed(date), 0);
  });

const tellStory = async (strapi: Core.Strapi, customer: { documentId: string }, plan: { code?: string | null }, story: DemoCustomer, today: CalendarDate) => {
  const engine = ownService(strapi, 'engine');
  const boughtOn = addDays(today, -story.startedDaysAgo);
  // Card payments need Stripe and its webhooks; the demo's card customers paid at the counter
  // when no Stripe key is set (their plans keep the card method for later renewals).
  const paymentMethod = story.paymentMethod === 'stripe' && readEnvironment().STRIPE_SECRET_KEY ? 'manual' : story.paymentMethod;
  const { servicePlan, run } = await on(boughtOn, () =>
    engine.purchase({ customer: customer.documentId, plan: plan.code!, addOns: story.addOns, paymentMethod, vehicle: story.vehicle }),
  );
  if (!story.autoRenew) {
    await strapi.documents('api::service-plan.service-plan').update({ documentId: servicePlan.documentId, data: { autoRenew: false } });
  }
  // Bought and waiting for the payment: the run waits for Finance, its invoice is Open.
  if (story.outcome === 'processing' || story.outcome === 'pending') return;
  if (story.outcome === 'cancelled') {
    const verify = await openTask(strapi, run, 'verify-payment');
    await on(addDays(boughtOn, 1), () => engine.completeTask(verify.documentId, { outcome: 'rejected', note: 'the customer changed their mind before paying' }, ['finance']));
    return;
  }
  await payAndActivate(strapi, run, boughtOn);
  const first = (await strapi.documents('api::service-plan.service-plan').findOne({ documentId: servicePlan.documentId })) as ServicePlanRecord;
  // Paid and active: its paid period is set.
  const paidUntil = first.endDate!;
  if (story.outcome === 'active') return;
  if (story.outcome === 'expired') {
    await expiryJob(strapi, paidUntil);
    return;
  }

  // The renewal, three days before the paid period ends (within the renewal lead time).
  const renewedOn = addDays(paidUntil, -3);
  const renewal = await on(renewedOn, () => engine.start(servicePlan.documentId, 'renewal'));
  if (story.outcome === 'past-due') {
    // Never paid: at the end of the paid period the plan is PastDue and Finance is asked to collect.
    await expiryJob(strapi, paidUntil);
    return;
  }
  await payAndActivate(strapi, renewal, renewedOn);
  if (paidUntil <= today) await expiryJob(strapi, paidUntil);
};
