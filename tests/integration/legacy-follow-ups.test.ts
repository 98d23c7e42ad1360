import type { Core } from '@strapi/strapi';
import { moveTransitFollowUps } from '../../src/plugins/transit-passes/server/src/follow-ups';
import { createOpenInvoice } from '../harness/fixtures';
import { http, signIn, startStrapi, stopStrapi } from '../harness/strapi';

/**
 * A database from before kept Finance's follow-ups with the pre-paid plans' step tasks, those
 * about pass orders among them. At start each process's move to the engine's tasks, as they were,
 * about what they were about; the steps' tasks stay, and a second start moves nothing.
 */
let strapi: Core.Strapi;
beforeAll(async () => {
  strapi = await startStrapi();
});
afterAll(() => stopStrapi(strapi));

const LEGACY = 'plugin::plan-renewals.task';
const TASK_UID = 'plugin::workflows.task';

const prepaid = () => strapi.plugin('plan-renewals').service('follow-ups');

test("the pre-paid plans' follow-ups move to the engine once, about their invoice; the steps' tasks stay", async () => {
  const { invoice } = await createOpenInvoice(strapi);
  const legacy = (data: Record<string, unknown>) => strapi.db.query(LEGACY).create({ data: { role: 'finance', state: 'open', dueDate: '2026-11-30', ...data } });
  const dispute = await legacy({ type: 'dispute', taskKey: 'dp_pre1:dispute', details: `Dispute dp_pre1 (fraudulent) over 120.00 USD on invoice ${invoice.number}`, invoice: invoice.id, claimedBy: { type: 'user', id: '3', name: 'fin' } });
  const event = await legacy({ type: 'stripe-event', taskKey: 'evt_pre1:stripe-event', details: 'Stripe event evt_pre1 not applied' });
  const step = await legacy({ type: 'verify-payment', taskKey: 'run_x:verify-payment', stepId: 'verify-payment', details: null });

  expect(await prepaid().migrate()).toBe(2);
  expect(await prepaid().migrate()).toBe(0);

  expect(await strapi.db.query(LEGACY).findMany({ where: { documentId: { $in: [dispute.documentId, event.documentId] } } })).toEqual([]);
  expect(await strapi.db.query(LEGACY).findOne({ where: { documentId: step.documentId } })).toMatchObject({ type: 'verify-payment' });
  const moved = await strapi.db.query(TASK_UID).findMany({ where: { documentId: { $in: [dispute.documentId, event.documentId] } }, orderBy: { id: 'asc' } });
  expect(moved).toEqual([
    expect.objectContaining({ processId: 'prepaid-plan', stepId: null, type: 'dispute', title: 'Dispute', state: 'open', subjectType: 'api::invoice.invoice', subjectId: invoice.documentId, claimedBy: { type: 'user', id: '3', name: 'fin' } }),
    expect.objectContaining({ processId: 'prepaid-plan', stepId: null, type: 'stripe-event', title: 'Stripe event not applied', subjectType: null, subjectId: null }),
  ]);
  // Finance's list of the plugin shows them as before, about their invoice.
  const listed = (await http(strapi).get('/api/plan-renewals/tasks').set({ Authorization: `Bearer ${await signIn(strapi, 'finance')}` })).body.data;
  expect(listed.find((t: any) => t.documentId === dispute.documentId)).toMatchObject({ type: 'dispute', role: 'finance', invoice: invoice.documentId, claimedBy: { name: 'fin' } });
  expect(listed.find((t: any) => t.documentId === event.documentId)).toMatchObject({ type: 'stripe-event', invoice: null });
});

test("transit's follow-ups move to the engine once, as they were; the pre-paid plans' stay", async () => {
  const legacy = (data: Record<string, unknown>) => strapi.db.query(LEGACY).create({ data: { role: 'finance', state: 'open', dueDate: '2026-11-30', ...data } });
  const mismatch = await legacy({ type: 'payment-mismatch', taskKey: 'pi_old1:transit:payment-mismatch', details: 'Stripe payment pi_old1 for pass order PO-2026-000001: paid USD 1.00' });
  const dispute = await legacy({
    type: 'dispute',
    taskKey: 'dp_old1:dispute',
    details: 'Dispute dp_old1 (fraudulent) over the card payment pi_old2 of pass order PO-2026-000002; evidence due by 2026-12-10.',
    state: 'completed',
    outcome: 'resolved',
    note: 'evidence sent',
    completedBy: { type: 'user', id: '7', name: 'fin' },
    completedAt: new Date('2026-12-01T10:00:00Z'),
  });
  const prepaid = await legacy({ type: 'dispute', taskKey: 'dp_old2:dispute', details: 'Dispute dp_old2 (fraudulent) over 120.00 USD on invoice INV-2026-000009; evidence due by 2026-12-10.' });

  await moveTransitFollowUps(strapi);
  await moveTransitFollowUps(strapi);

  expect(await strapi.db.query(LEGACY).findMany({ where: { documentId: { $in: [mismatch.documentId, dispute.documentId] } } })).toEqual([]);
  expect(await strapi.db.query(LEGACY).findOne({ where: { documentId: prepaid.documentId } })).toMatchObject({ taskKey: 'dp_old2:dispute', state: 'open' });
  const moved = await strapi.db.query(TASK_UID).findMany({ where: { taskKey: { $in: ['pi_old1:transit:payment-mismatch', 'dp_old1:dispute', 'dp_old2:dispute'] } }, orderBy: { id: 'asc' } });
  expect(moved).toEqual([
    expect.objectContaining({ documentId: mismatch.documentId, processId: 'transit-pass', stepId: null, type: 'payment-mismatch', title: 'Card payment that does not match its order', role: 'finance', state: 'open', dueDate: '2026-11-30' }),
    expect.objectContaining({ documentId: dispute.documentId, processId: 'transit-pass', stepId: null, type: 'dispute', state: 'completed', outcome: 'resolved', note: 'evidence sent', completedBy: { type: 'user', id: '7', name: 'fin' } }),
  ]);
  // The engine takes it as its own: listed for Finance, and closed when its payment is decided.
  const tasks = strapi.plugin('workflows').service('tasks');
  expect(await tasks.findTask(mismatch.documentId)).toMatchObject({ process: 'transit-pass', state: 'open', outcomes: [{ id: 'resolved' }, { id: 'dismissed' }] });
  expect(await tasks.close(['pi_old1:transit:payment-mismatch'], { outcome: 'resolved', note: 'refund' }, { type: 'system', name: 'test' })).toBe(1);
});
