import type { Core } from '@strapi/strapi';
import { CalendarDate, EstimateLineInput, addDays } from '../domain';
import { at } from '../plugins/workflows/server/src/clock';

/**
 * Demo repair estimates, each taken through the approval process by the engine, at its own date:
 * one approved, one rejected by Compliance, one over the credit limit that Finance let through and
 * the executive approved, and one waiting for the executive. The people who decide are named
 * actors (the demo creates no staff accounts); a real deployment's staff sign in with their roles.
 */
interface Story {
  customer: string;
  vehicle: string;
  creditLimitMinor: number;
  lines: EstimateLineInput[];
  /** Days before today it was submitted. */
  daysAgo: number;
  ending: 'approved' | 'compliance-rejects' | 'over-limit-approved' | 'waiting-for-executive';
}

const BRAKES: EstimateLineInput[] = [
  { kind: 'labor', description: 'Replace front brake pads and rotors', quantityHundredths: 250, unitPriceMinor: 12_000 },
  { kind: 'parts', description: 'Brake rotors (pair)', quantityHundredths: 100, unitPriceMinor: 18_900 },
  { kind: 'parts', description: 'Brake pads (set)', quantityHundredths: 100, unitPriceMinor: 8_999 },
  { kind: 'fee', description: 'Shop supplies', quantityHundredths: 100, unitPriceMinor: 1_500 },
];
const TRANSMISSION: EstimateLineInput[] = [
  { kind: 'labor', description: 'Transmission rebuild', quantityHundredths: 1200, unitPriceMinor: 12_000 },
  { kind: 'parts', description: 'Rebuild kit and torque converter', quantityHundredths: 100, unitPriceMinor: 145_000 },
  { kind: 'fee', description: 'Fluid disposal', quantityHundredths: 100, unitPriceMinor: 2_500 },
];
const TIMING: EstimateLineInput[] = [
  { kind: 'labor', description: 'Timing belt and water pump', quantityHundredths: 400, unitPriceMinor: 12_000 },
  { kind: 'parts', description: 'Timing belt kit with water pump', quantityHundredths: 100, unitPriceMinor: 32_500 },
];

const STORIES: Story[] = [
  { customer: 'maria.gonzalez@example.com', vehicle: '2019 Toyota Corolla', creditLimitMinor: 500_000, lines: BRAKES, daysAgo: 9, ending: 'approved' },
  { customer: 'james.oconnor@example.com', vehicle: '2017 Ford F-150', creditLimitMinor: 300_000, lines: TRANSMISSION, daysAgo: 6, ending: 'compliance-rejects' },
  { customer: 'chen.wei@example.com', vehicle: '2015 Nissan Altima', creditLimitMinor: 100_000, lines: TRANSMISSION, daysAgo: 4, ending: 'over-limit-approved' },
  { customer: 'olivia.brown@example.com', vehicle: '2023 Kia Sportage', creditLimitMinor: 400_000, lines: TIMING, daysAgo: 1, ending: 'waiting-for-executive' },
];

const PEOPLE = {
  manager: { type: 'user' as const, id: 'demo-account-manager', name: 'Alex Rivera (Account Manager)' },
  compliance: { type: 'user' as const, id: 'demo-compliance', name: 'Priya Natarajan (Compliance)' },
  financeManager: { type: 'user' as const, id: 'demo-finance-manager', name: 'Tom Becker (Finance Manager)' },
  executive: { type: 'user' as const, id: 'demo-executive', name: 'Grace Okafor (Executive)' },
};

const on = <T>(date: CalendarDate, hour: number, work: () => Promise<T>) => at(new Date(`${date}T${String(hour).padStart(2, '0')}:00:00.000Z`), work);

export const seedApprovals = async (strapi: Core.Strapi, today: CalendarDate): Promise<number> => {
  if ((await strapi.db.query('plugin::repair-approvals.request').count()) > 0) return 0;
  const requests = strapi.plugin('repair-approvals').service('requests');
  const tasks = strapi.plugin('workflows').service('tasks');
  let made = 0;
  for (const story of STORIES) {
    const customer = await strapi.documents('api::customer.customer').findFirst({ filters: { email: story.customer } });
    if (!customer) continue;
    await strapi.documents('api::customer.customer').update({ documentId: customer.documentId, data: { currency: 'USD', creditLimitMinor: story.creditLimitMinor } });
    const day = addDays(today, -story.daysAgo);
    const draft: { documentId: string } = await on(day, 9, () => requests.createDraft({ customer: customer.documentId, vehicle: story.vehicle, currency: 'USD', lines: story.lines }, PEOPLE.manager));
    const request: { run: { documentId: string } } = await on(day, 10, () => requests.submit(draft.documentId, PEOPLE.manager));
    const open = async (stepId: string, taskId: string | null): Promise<{ documentId: string }> =>
      strapi.db.query('plugin::workflows.task').findOne({ where: { run: { documentId: request.run.documentId }, stepId, taskId, state: 'open' } });
    const decide = async (stepId: string, taskId: string | null, role: string, who: (typeof PEOPLE)[keyof typeof PEOPLE], input: { outcome: string; note?: string }, hour: number) =>
      on(day, hour, async () => tasks.complete((await open(stepId, taskId)).documentId, input, [role], who));
    if (story.ending === 'compliance-rejects') {
      await decide('reviews', 'finance', 'finance-manager', PEOPLE.financeManager, { outcome: 'approved' }, 13);
      await decide('reviews', 'compliance', 'compliance', PEOPLE.compliance, { outcome: 'rejected', note: 'Rebuilt units from this supplier are not certified for warranty work' }, 15);
    } else {
      await decide('reviews', 'compliance', 'compliance', PEOPLE.compliance, { outcome: 'approved' }, 12);
      const note = story.ending === 'over-limit-approved' ? 'Over the credit limit; a customer for eight years who always paid' : undefined;
      await decide('reviews', 'finance', 'finance-manager', PEOPLE.financeManager, { outcome: 'approved', ...(note ? { note } : {}) }, 14);
      if (story.ending !== 'waiting-for-executive') {
        await decide('executive-approval', null, 'executive', PEOPLE.executive, { outcome: 'approved', note: 'Approved' }, 16);
      }
    }
    made += 1;
  }
  return made;
};
