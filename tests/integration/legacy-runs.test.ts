import type { Core } from '@strapi/strapi';
import { moveLegacyRuns } from '../../src/setup/legacy-runs';
import { PREPAID_PLAN_PROCESS } from '../../src/plugins/plan-renewals/server/src/domain/process';
import { progressRun, startRun } from '../../src/plugins/workflows/server/src/domain/progress';
import type { RunInput, RunProgress, StepActor } from '../../src/plugins/workflows/server/src/domain/progress';
import { fingerprint } from '../harness/database-state';
import { createOpenInvoice, createServicePlan } from '../harness/fixtures';
import { http, signIn, startStrapi, stopStrapi } from '../harness/strapi';

/**
 * A database from before kept the pre-paid plan process's runs and its steps' tasks in the
 * process's own tables. At start they move to the engine's, as they were and in the engine's
 * shape: a run waiting for Finance, a rejected one, one accepted before runs had an outcome, a
 * failed one. Two instances starting together move them once; a second start changes nothing;
 * the engine then serves the moved task and moves its run on.
 */
let strapi: Core.Strapi;
beforeAll(async () => {
  strapi = await startStrapi();
});
afterAll(() => stopStrapi(strapi));

const LEGACY_RUN = 'plugin::plan-renewals.run';
const LEGACY_TASK = 'plugin::plan-renewals.task';
const RUN_UID = 'plugin::workflows.run';
const TASK_UID = 'plugin::workflows.task';
const PLAN_UID = 'api::service-plan.service-plan';

const DEFINITION = PREPAID_PLAN_PROCESS;
const stepOf = (id: string) => DEFINITION.steps.find((step) => step.id === id)!;
const taskTitle = (id: string) => {
  const step = stepOf(id);
  return (step.kind === 'human-task' ? step.task.title : undefined) ?? step.title;
};
const VERIFY = taskTitle('verify-payment');
const QUALITY = taskTitle('quality-check');

const requester: StepActor = { type: 'user', id: '41', name: 'cs-ana' };
const financeActor: StepActor = { type: 'user', id: '42', name: 'fin-bo' };
const system: StepActor = { type: 'system', name: 'runner' };

/** The progress after `inputs`, as the engine writes it. */
const progress = (...inputs: RunInput[]): RunProgress => inputs.reduce((run, input) => progressRun(DEFINITION, run, input), startRun(DEFINITION));
const done = (at: string, actor: StepActor = system): RunInput => ({ type: 'done', actor, result: `done at ${at}`, at });
const firstSteps = (at: string, actor: StepActor): RunInput[] => [done(at, actor), done(at), done(at), done(at)];

/** The same progress as the first definition stored it: its kind names, and its wait result for a person. */
const EARLIER_KINDS: Record<string, string> = { 'check-payment': 'wait-for-payment', 'send-confirmation': 'notification' };
const stored = (run: RunProgress, waitResult?: string) => ({
  state: run.state,
  currentStep: run.currentStep,
  steps: run.steps.map((step) => ({
    ...step,
    kind: EARLIER_KINDS[step.id] ?? step.kind,
    ...(waitResult && step.id === run.currentStep && step.state === 'waiting' ? { result: waitResult } : {}),
  })),
});

const legacyRun = (data: Record<string, unknown>) => strapi.db.query(LEGACY_RUN).create({ data: { processId: 'prepaid-plan', processVersion: 1, ...data } });
const legacyTask = (data: Record<string, unknown>) => strapi.db.query(LEGACY_TASK).create({ data });

test('old runs and their step tasks move to the engine once, in its shape; the engine serves the open task', async () => {
  // A purchase waiting for Finance at verify-payment, with its open task.
  const open = await createOpenInvoice(strapi);
  const waitingProgress = progress(...firstSteps('2026-03-02T09:00:00.000Z', requester), {
    type: 'wait',
    at: '2026-03-02T09:00:01.000Z',
    result: `Waiting for ${VERIFY} (Finance)`,
  });
  const openRun = await legacyRun({
    kind: 'new',
    servicePlan: open.servicePlan.id,
    invoice: open.invoice.id,
    periodStart: '2026-01-15',
    periodEnd: '2027-01-15',
    previousPlanState: 'Pending',
    startedBy: requester,
    openKey: open.servicePlan.documentId,
    ...stored(waitingProgress, 'Waiting for finance: verify payment authorization'),
    createdAt: new Date('2026-03-02T09:00:00.000Z'),
    updatedAt: new Date('2026-03-02T09:00:01.000Z'),
  });
  const openTask = await legacyTask({
    type: 'verify-payment',
    role: 'finance',
    state: 'open',
    stepId: 'verify-payment',
    run: openRun.id,
    dueDate: '2026-03-03',
    escalatedAt: new Date('2026-03-04T06:00:00.000Z'),
    taskKey: `${openRun.documentId}:verify-payment`,
    createdAt: new Date('2026-03-02T09:00:01.000Z'),
    updatedAt: new Date('2026-03-04T06:00:00.000Z'),
  });

  // A renewal Finance rejected: completed with the outcome rejected.
  const rejected = await createOpenInvoice(strapi);
  const rejectedProgress = progress(
    ...firstSteps('2026-02-01T09:00:00.000Z', requester),
    { type: 'wait', at: '2026-02-01T09:00:01.000Z' },
    { type: 'task-outcome', outcome: 'rejected', note: 'Card declined twice', actor: financeActor, at: '2026-02-02T10:00:00.000Z' },
  );
  const rejectedRun = await legacyRun({
    kind: 'renewal',
    servicePlan: rejected.servicePlan.id,
    invoice: rejected.invoice.id,
    periodStart: '2026-02-15',
    periodEnd: '2027-02-15',
    previousPlanState: 'Active',
    startedBy: requester,
    openKey: null,
    ...stored(rejectedProgress),
    outcome: 'rejected',
    createdAt: new Date('2026-02-01T09:00:00.000Z'),
    updatedAt: new Date('2026-02-02T10:00:00.000Z'),
  });
  const rejectedTask = await legacyTask({
    type: 'verify-payment',
    role: 'finance',
    state: 'completed',
    outcome: 'rejected',
    note: 'Card declined twice',
    claimedBy: financeActor,
    claimedAt: new Date('2026-02-02T09:55:00.000Z'),
    completedBy: financeActor,
    completedAt: new Date('2026-02-02T10:00:00.000Z'),
    stepId: 'verify-payment',
    run: rejectedRun.id,
    dueDate: '2026-02-03',
    taskKey: `${rejectedRun.documentId}:verify-payment`,
    createdAt: new Date('2026-02-01T09:00:01.000Z'),
    updatedAt: new Date('2026-02-02T10:00:00.000Z'),
  });

  // A purchase completed before runs stored an outcome: it was accepted.
  const accepted = await createOpenInvoice(strapi);
  const acceptedProgress = progress(
    ...firstSteps('2026-01-10T09:00:00.000Z', requester),
    { type: 'wait', at: '2026-01-10T09:00:01.000Z' },
    { type: 'task-outcome', outcome: 'approved', actor: financeActor, at: '2026-01-10T11:00:00.000Z' },
    { type: 'signal', signal: 'payment-succeeded', actor: system, at: '2026-01-10T11:05:00.000Z' },
    done('2026-01-10T11:05:01.000Z'),
    done('2026-01-10T11:05:02.000Z'),
    done('2026-01-10T11:05:03.000Z'),
    done('2026-01-10T11:05:04.000Z'),
    { type: 'wait', at: '2026-01-10T11:05:05.000Z' },
    { type: 'task-outcome', outcome: 'passed', actor: { type: 'user', id: '43', name: 'cs-cy' }, at: '2026-01-12T15:00:00.000Z' },
    done('2026-01-12T15:00:01.000Z'),
    done('2026-01-12T15:00:02.000Z'),
  );
  expect(acceptedProgress).toMatchObject({ state: 'completed', outcome: 'accepted' });
  const acceptedRun = await legacyRun({
    kind: 'new',
    servicePlan: accepted.servicePlan.id,
    invoice: accepted.invoice.id,
    periodStart: '2026-01-15',
    periodEnd: '2027-01-15',
    previousPlanState: 'Pending',
    startedBy: requester,
    ...stored(acceptedProgress),
    outcome: null,
    createdAt: new Date('2026-01-10T09:00:00.000Z'),
    updatedAt: new Date('2026-01-12T15:00:02.000Z'),
  });
  const acceptedTasks = [
    await legacyTask({
      type: 'verify-payment',
      role: 'finance',
      state: 'completed',
      outcome: 'approved',
      completedBy: financeActor,
      completedAt: new Date('2026-01-10T11:00:00.000Z'),
      stepId: 'verify-payment',
      run: acceptedRun.id,
      dueDate: '2026-01-12',
      taskKey: `${acceptedRun.documentId}:verify-payment`,
    }),
    await legacyTask({
      type: 'quality-check',
      role: 'customer-success',
      state: 'completed',
      outcome: 'passed',
      note: 'All good',
      completedBy: { type: 'user', id: '43', name: 'cs-cy' },
      completedAt: new Date('2026-01-12T15:00:00.000Z'),
      stepId: 'quality-check',
      run: acceptedRun.id,
      dueDate: '2026-01-13',
      taskKey: `${acceptedRun.documentId}:quality-check`,
    }),
  ];

  // A renewal that failed at an automatic step, stored before runs kept who started them.
  const failedPlan = (await createServicePlan(strapi)).servicePlan;
  const failedProgress = progress(done('2026-03-01T08:00:00.000Z', requester), { type: 'fail', actor: system, result: 'Plan is Cancelled', at: '2026-03-01T08:00:01.000Z' });
  const failedRun = await legacyRun({
    kind: 'renewal',
    servicePlan: failedPlan.id,
    previousPlanState: 'Active',
    processVersion: null,
    ...stored(failedProgress),
    createdAt: new Date('2026-03-01T08:00:00.000Z'),
    updatedAt: new Date('2026-03-01T08:00:01.000Z'),
  });

  // A step's task linked to no run: no run could take its outcome, so it stays.
  const orphan = await legacyTask({ type: 'verify-payment', role: 'finance', state: 'open', stepId: 'verify-payment', taskKey: 'run_gone:verify-payment' });

  const olds = await strapi.db.query(LEGACY_RUN).findMany({ orderBy: { id: 'asc' } });
  const oldTasks = await strapi.db.query(LEGACY_TASK).findMany({ where: { stepId: { $notNull: true } }, orderBy: { id: 'asc' } });
  const oldOf = (documentId: string) => olds.find((row: any) => row.documentId === documentId);
  const oldTaskOf = (documentId: string) => oldTasks.find((row: any) => row.documentId === documentId);

  // Two instances starting at once: one moves them, the other finds nothing left.
  const counts = await Promise.all([moveLegacyRuns(strapi), moveLegacyRuns(strapi)]);
  expect(counts.sort()).toEqual([0, 4]);

  // The old tables keep nothing of them, links included; the task of no run stays.
  const runIds = [openRun.id, rejectedRun.id, acceptedRun.id, failedRun.id];
  expect(await strapi.db.query(LEGACY_RUN).count()).toBe(0);
  expect((await strapi.db.query(LEGACY_TASK).findMany({})).map((row: any) => row.documentId)).toEqual([orphan.documentId]);
  const knex = strapi.db.connection;
  for (const table of ['plan_renewal_runs_service_plan_lnk', 'plan_renewal_runs_invoice_lnk']) expect(await knex(table).whereIn('run_id', runIds)).toEqual([]);
  expect(await knex('plan_renewal_tasks_run_lnk').whereIn('run_id', runIds)).toEqual([]);

  const run = (documentId: string) => strapi.db.query(RUN_UID).findOne({ where: { documentId } });
  const task = (documentId: string) => strapi.db.query(TASK_UID).findOne({ where: { documentId }, populate: ['run'] });
  const keyOf = (plan: { documentId: string }) => `${PLAN_UID}:${plan.documentId}`;
  const times = (documentId: string, old: (id: string) => any) => ({ createdAt: old(documentId).createdAt, updatedAt: old(documentId).updatedAt });

  const movedOpen = await run(openRun.documentId);
  expect(movedOpen).toEqual(
    expect.objectContaining({
      documentId: openRun.documentId,
      processId: 'prepaid-plan',
      processVersion: DEFINITION.version,
      subjectType: PLAN_UID,
      subjectId: open.servicePlan.documentId,
      context: {
        kind: 'new',
        periodStart: '2026-01-15',
        periodEnd: '2027-01-15',
        invoice: { documentId: open.invoice.documentId, number: open.invoice.number },
        previousPlanState: 'Pending',
      },
      state: 'waiting',
      outcome: null,
      currentStep: 'verify-payment',
      // The engine's kinds, and the runner's wait result for a person.
      steps: waitingProgress.steps,
      startedBy: requester,
      openKey: keyOf(open.servicePlan),
      runKey: keyOf(open.servicePlan),
      ...times(openRun.documentId, oldOf),
    }),
  );
  expect(movedOpen.steps[5].kind).toBe('await-signal');
  expect(movedOpen.steps[4].result).toBe(`Waiting for ${VERIFY} (Finance)`);
  expect(await task(openTask.documentId)).toEqual(
    expect.objectContaining({
      documentId: openTask.documentId,
      processId: 'prepaid-plan',
      run: expect.objectContaining({ id: movedOpen.id, documentId: openRun.documentId }),
      stepId: 'verify-payment',
      taskId: null,
      title: VERIFY,
      type: 'verify-payment',
      role: 'finance',
      state: 'open',
      outcome: null,
      claimedBy: null,
      claimedAt: null,
      completedBy: null,
      completedAt: null,
      escalatedAt: '2026-03-04T06:00:00.000Z',
      note: null,
      data: null,
      dueDate: '2026-03-03',
      details: null,
      subjectType: null,
      subjectId: null,
      taskKey: `${openRun.documentId}:verify-payment`,
      ...times(openTask.documentId, oldTaskOf),
    }),
  );

  const movedRejected = await run(rejectedRun.documentId);
  expect(movedRejected).toEqual(
    expect.objectContaining({
      processId: 'prepaid-plan',
      subjectId: rejected.servicePlan.documentId,
      context: {
        kind: 'renewal',
        periodStart: '2026-02-15',
        periodEnd: '2027-02-15',
        invoice: { documentId: rejected.invoice.documentId, number: rejected.invoice.number },
        previousPlanState: 'Active',
        decisions: {
          'verify-payment': { step: 'verify-payment', task: null, title: VERIFY, role: 'finance', outcome: 'rejected', note: 'Card declined twice', by: financeActor, at: '2026-02-02T10:00:00.000Z', data: null },
        },
      },
      state: 'completed',
      outcome: 'rejected',
      currentStep: null,
      steps: rejectedProgress.steps,
      startedBy: requester,
      openKey: null,
      runKey: keyOf(rejected.servicePlan),
      ...times(rejectedRun.documentId, oldOf),
    }),
  );
  expect(await task(rejectedTask.documentId)).toEqual(
    expect.objectContaining({
      run: expect.objectContaining({ id: movedRejected.id }),
      stepId: 'verify-payment',
      taskId: null,
      title: VERIFY,
      state: 'completed',
      outcome: 'rejected',
      note: 'Card declined twice',
      claimedBy: financeActor,
      claimedAt: '2026-02-02T09:55:00.000Z',
      completedBy: financeActor,
      completedAt: '2026-02-02T10:00:00.000Z',
      escalatedAt: null,
      dueDate: '2026-02-03',
      taskKey: `${rejectedRun.documentId}:verify-payment`,
      ...times(rejectedTask.documentId, oldTaskOf),
    }),
  );

  const movedAccepted = await run(acceptedRun.documentId);
  expect(movedAccepted).toEqual(
    expect.objectContaining({
      state: 'completed',
      outcome: 'accepted',
      currentStep: null,
      steps: acceptedProgress.steps,
      openKey: null,
      runKey: keyOf(accepted.servicePlan),
      context: expect.objectContaining({
        decisions: {
          'verify-payment': { step: 'verify-payment', task: null, title: VERIFY, role: 'finance', outcome: 'approved', note: null, by: financeActor, at: '2026-01-10T11:00:00.000Z', data: null },
          'quality-check': {
            step: 'quality-check',
            task: null,
            title: QUALITY,
            role: 'customer-success',
            outcome: 'passed',
            note: 'All good',
            by: { type: 'user', id: '43', name: 'cs-cy' },
            at: '2026-01-12T15:00:00.000Z',
            data: null,
          },
        },
      }),
    }),
  );
  expect(movedAccepted.steps.map((step: any) => step.kind)).toEqual(DEFINITION.steps.map((step) => step.kind));
  const acceptedMoved = await strapi.db.query(TASK_UID).findMany({ where: { run: { id: movedAccepted.id } }, orderBy: { id: 'asc' } });
  expect(acceptedMoved).toEqual([
    expect.objectContaining({ documentId: acceptedTasks[0].documentId, stepId: 'verify-payment', title: VERIFY, state: 'completed', outcome: 'approved' }),
    expect.objectContaining({ documentId: acceptedTasks[1].documentId, stepId: 'quality-check', title: QUALITY, role: 'customer-success', state: 'completed', outcome: 'passed', note: 'All good' }),
  ]);

  expect(await run(failedRun.documentId)).toEqual(
    expect.objectContaining({
      processVersion: DEFINITION.version,
      subjectId: failedPlan.documentId,
      context: { kind: 'renewal', periodStart: null, periodEnd: null, invoice: null, previousPlanState: 'Active' },
      state: 'failed',
      outcome: null,
      currentStep: 'mark-processing',
      steps: failedProgress.steps,
      // Stored before runs kept who started them: whoever took the first step.
      startedBy: requester,
      openKey: null,
      runKey: keyOf(failedPlan),
      ...times(failedRun.documentId, oldOf),
    }),
  );

  // A second start changes nothing anywhere.
  const before = await fingerprint(strapi);
  expect(await moveLegacyRuns(strapi)).toBe(0);
  expect(await fingerprint(strapi)).toEqual(before);

  // The engine serves the moved task to Finance, and its run moves on when Finance approves.
  const finance = await signIn(strapi, 'finance');
  const list = await http(strapi).get('/api/workflows/tasks').set({ Authorization: `Bearer ${finance}` });
  expect(list.status).toBe(200);
  expect(list.body.data.find((t: any) => t.documentId === openTask.documentId)).toEqual(
    expect.objectContaining({
      process: 'prepaid-plan',
      documentId: openTask.documentId,
      type: 'verify-payment',
      title: VERIFY,
      role: 'finance',
      state: 'open',
      outcomes: [
        { id: 'approved', label: 'Approved', rejects: false },
        { id: 'rejected', label: 'Rejected', rejects: true },
      ],
      dueDate: '2026-03-03',
      claimedBy: null,
      run: openRun.documentId,
    }),
  );
  expect(list.body.data.find((t: any) => t.documentId === orphan.documentId)).toBeUndefined();
  // Finance records the payment at the desk (the process finds the moved run by its invoice) and approves.
  const invoice = open.invoice;
  const paid = await http(strapi)
    .post(`/api/plan-renewals/invoices/${invoice.documentId}/manual-payments`)
    .set({ Authorization: `Bearer ${finance}` })
    .send({ amountMinor: invoice.totalMinor, currency: invoice.currency, reference: `DESK-${invoice.number}` });
  expect(paid.status).toBe(201);
  const completed = await http(strapi).post(`/api/workflows/tasks/${openTask.documentId}/complete`).set({ Authorization: `Bearer ${finance}` }).send({ outcome: 'approved' });
  expect([completed.status, completed.body.error?.message]).toEqual([200, undefined]);
  expect(completed.body.data).toMatchObject({
    process: 'prepaid-plan',
    documentId: openRun.documentId,
    state: 'waiting',
    currentStep: 'quality-check',
    subject: { type: PLAN_UID, documentId: open.servicePlan.documentId },
  });
  const after = await run(openRun.documentId);
  expect(after.steps[4]).toMatchObject({ id: 'verify-payment', kind: 'human-task', state: 'done', result: 'approved', actor: expect.objectContaining({ type: 'user' }) });
  expect(after.context.decisions['verify-payment']).toMatchObject({ outcome: 'approved', role: 'finance' });
  expect(after).toMatchObject({ openKey: keyOf(open.servicePlan), runKey: keyOf(open.servicePlan) });
  expect(await task(openTask.documentId)).toMatchObject({ state: 'completed', outcome: 'approved' });
  // The next step's task is the engine's, opened on the moved run.
  expect(await strapi.db.query(TASK_UID).findOne({ where: { taskKey: `${openRun.documentId}:quality-check` }, populate: ['run'] })).toMatchObject({
    title: QUALITY,
    state: 'open',
    run: { documentId: openRun.documentId },
  });
});
