import type { Core } from '@strapi/strapi';
import { CalendarDate, addDays } from '../domain';
import { at } from '../plugins/workflows/server/src/clock';

/**
 * A small transit agency: adult, senior, student and resident products, digital and on card,
 * monthly, weekly and single-use; card stock; and a few riders' orders taken through the pass
 * process by the engine at their own dates — paid at the desk, a student verified, a resident
 * waiting for Verification, one order waiting for its payment. Named actors decide (the demo
 * creates no staff accounts).
 */
const PRODUCTS = [
  { code: 'adult-monthly', name: 'Adult monthly pass', riderCategory: 'adult', fareMedium: 'digital', priceMinor: 9_000, serviceFeeMinor: 150, taxRateBps: 0, validityKind: 'months', validityAmount: 1, proofRequired: 'none' },
  { code: 'senior-monthly', name: 'Senior monthly pass', riderCategory: 'senior', fareMedium: 'digital', priceMinor: 4_500, serviceFeeMinor: 0, taxRateBps: 0, validityKind: 'months', validityAmount: 1, proofRequired: 'age' },
  { code: 'student-weekly', name: 'Student weekly pass', riderCategory: 'student', fareMedium: 'digital', priceMinor: 1_500, serviceFeeMinor: 0, taxRateBps: 0, validityKind: 'days', validityAmount: 7, proofRequired: 'student' },
  { code: 'resident-monthly-card', name: 'Resident monthly card', riderCategory: 'resident', fareMedium: 'card', priceMinor: 6_000, serviceFeeMinor: 300, taxRateBps: 0, validityKind: 'months', validityAmount: 1, proofRequired: 'residency' },
  { code: 'adult-single', name: 'Single ride (90 minutes)', riderCategory: 'adult', fareMedium: 'digital', priceMinor: 250, serviceFeeMinor: 0, taxRateBps: 0, validityKind: 'single-use', validityAmount: 90, proofRequired: 'none' },
] as const;

const ORDERS = [
  { customer: 'maria.gonzalez@example.com', product: 'adult-monthly', daysAgo: 12, ending: 'paid' },
  { customer: 'daniel.kim@example.com', product: 'student-weekly', daysAgo: 3, ending: 'verified' },
  { customer: 'sofia.rossi@example.com', product: 'resident-monthly-card', daysAgo: 1, ending: 'waiting-for-verification' },
  { customer: 'liam.novak@example.com', product: 'adult-single', daysAgo: 0, ending: 'paid' },
  { customer: 'hannah.schmidt@example.com', product: 'senior-monthly', daysAgo: 0, ending: 'waiting-for-payment' },
] as const;

const BILLING = { type: 'user' as const, id: 'demo-billing', name: 'Jordan Lee (Billing)' };
const VERIFIER = { type: 'user' as const, id: 'demo-verification', name: 'Sam Ortiz (Verification)' };

const on = <T>(date: CalendarDate, hour: number, work: () => Promise<T>) => at(new Date(`${date}T${String(hour).padStart(2, '0')}:00:00.000Z`), work);

export const seedTransit = async (strapi: Core.Strapi, today: CalendarDate): Promise<number> => {
  if ((await strapi.db.query('plugin::transit-passes.fare-product').count()) > 0) return 0;
  for (const product of PRODUCTS) {
    const created = await strapi.documents('plugin::transit-passes.fare-product').create({ data: { ...product, currency: 'USD', activation: 'on-purchase', active: true } });
    if (product.fareMedium === 'card') await strapi.documents('plugin::transit-passes.card-stock').create({ data: { product: created.documentId, onHand: 25, reserved: 0 } });
  }
  const orders = strapi.plugin('transit-passes').service('orders');
  const tasks = strapi.plugin('workflows').service('tasks');
  let made = 0;
  for (const story of ORDERS) {
    const customer = await strapi.documents('api::customer.customer').findFirst({ filters: { email: story.customer } });
    if (!customer) continue;
    const day = addDays(today, -story.daysAgo);
    const order: { run: { documentId: string } } = await on(day, 8, () => orders.purchase({ customer: customer.documentId, product: story.product, paymentMethod: 'desk' }, BILLING));
    const open = async (stepId: string): Promise<{ documentId: string }> => strapi.db.query('plugin::workflows.task').findOne({ where: { run: { documentId: order.run.documentId }, stepId, state: 'open' } });
    if (story.ending !== 'waiting-for-payment') {
      await on(day, 8, async () => tasks.complete((await open('desk-payment')).documentId, { outcome: 'paid', note: 'cash at the desk' }, ['billing'], BILLING));
    }
    if (story.ending === 'verified') {
      await on(day, 11, async () => tasks.complete((await open('verify-eligibility')).documentId, { outcome: 'verified', data: { method: 'student ID card', evidenceRef: 'desk-log-2031' } }, ['verification'], VERIFIER));
    }
    made += 1;
  }
  return made;
};
