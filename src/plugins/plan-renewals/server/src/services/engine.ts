import type { Core, Modules } from '@strapi/strapi';
import type { Transaction } from '../../../../../setup/knex';
import { errors } from '@strapi/utils';
import { writeAudit } from '../../../../../guards/audit';
import { Actor, currentActor } from '../../../../../guards/actor';
import { MoneyError, ServicePlanStatus, buildInvoice, counted, firstRenewalDay, format, money, renewalMayStart, servicePlanMachine } from '../../../../../domain';
import {
  PREPAID_PLAN_PROCESS,
  RunProgress,
  StepActor,
  TASK_OUTCOMES,
  WorkflowError,
  cancelRun,
  completeStep,
  completeTask,
  failStep,
  isOpen,
  openingRun,
  retryStep,
  stepAuditEntry,
  stepResults,
  stepTask,
  waitAt,
} from '../domain';
import {
  HumanTask,
  RunDuties,
  StepDefinition,
  TaskRefusal,
  claimTask as claimRuling,
  isRefusal,
  mayCompleteTask,
  reassignTask as reassignRuling,
  separatesDuties,
  unclaimTask as unclaimRuling,
} from '../../../../workflows/server/src/domain';
import { ConflictError } from '../errors';
import { now as clockNow, today } from '../clock';
import { getService, messages } from '../../../../workflows/server/src/utils';
import { PREPAID_PLAN_HANDLERS, RUN_UID, TASK_UID, loadServicePlan, lockInvoice, prepaidRuns } from './steps';
import type { InvoiceRecord, LoadedRun, PrepaidContext, PrepaidRun, PrepaidTask, ServicePlanRecord } from './steps';
import type { ProcessHandlers, RunView, StepContext as HandlerContext, StepOutcome } from '../../../../workflows/server/src/services/registry';
import type { JobsConfig } from './jobs';
import { ownService } from '../utils';

/**
 * The engine: runs a process's steps one transaction at a time. Each transaction locks the run,
 * executes the current step, and stores the step's outcome with its effects and its audit entry,
 * so a crash between steps loses nothing and repeats nothing: the next `advance` picks up at the
 * first step not recorded as done.
 */
const PROCESS = PREPAID_PLAN_PROCESS;
const SERVICE_PLAN_UID = 'api::service-plan.service-plan';

/**
 * What the engine writes to a run or a task: nulls to clear a column and its JSON columns as the
 * domain shapes, which Strapi's generated input types (optional attributes, JSON values) do not spell:
 * the boundary where those are handed over as Strapi's input (`as unknown as`).
 */
type RunInput = Modules.Documents.Params.Data.Input<typeof RUN_UID>;
type TaskInput = Modules.Documents.Params.Data.Input<typeof TASK_UID>;

/** A task with its run (`populate: ['run']`). */
type TaskWithRun = PrepaidTask & { run?: PrepaidRun | null };

/** A staff user with their role, as a reassignment reads it. */
interface StaffUser {
  id: number;
  username: string | null;
  email: string;
  blocked: boolean | null;
  role: { type: string } | null;
}

const asStepActor = (actor: Actor): StepActor => ({ type: actor.type, id: actor.id, name: actor.name });

const progressOf = (run: Pick<PrepaidRun, 'state' | 'currentStep' | 'steps' | 'outcome'>): RunProgress => ({ state: run.state, currentStep: run.currentStep, steps: run.steps, ...(run.outcome ? { outcome: run.outcome } : {}) });

export default ({ strapi }: { strapi: Core.Strapi }) => {
  const runs = () => strapi.documents(RUN_UID);

  const pluginConfig = () => ({
    taskDueBusinessDays: strapi.plugin('plan-renewals').config('taskDueBusinessDays') as Record<string, number>,
  });

  /** Locks the run's row until the transaction ends (PostgreSQL; SQLite serializes writers anyway). */
  const lockRun = async (trx: Transaction, documentId: string) => {
    if (strapi.db.dialect.client === 'postgres') {
      await trx('plan_renewal_runs').where({ document_id: documentId }).forUpdate().first();
    }
  };

  /** Locks the task's row until the transaction ends (PostgreSQL): claims and completions of one task take turns. */
  const lockTask = async (trx: Transaction, documentId: string) => {
    if (strapi.db.dialect.client === 'postgres') {
      await trx('plan_renewal_tasks').where({ document_id: documentId }).forUpdate().first();
    }
  };

  /** The task, locked and read afresh; 404 when there is none, 403 when it is not for one of `roles`. */
  const lockedTask = async (trx: Transaction, documentId: string, roles: readonly string[] | 'any') => {
    await lockTask(trx, documentId);
    const task = (await strapi.documents(TASK_UID).findOne({ documentId, populate: ['run'] })) as TaskWithRun | null;
    if (!task) throw new errors.NotFoundError(`No task ${documentId}`);
    if (roles !== 'any' && !roles.includes(task.role)) throw new errors.PolicyError(`This task is for the ${task.role} role`);
    return task;
  };

  const humanTask = (task: PrepaidTask): HumanTask => ({
    id: task.documentId,
    type: task.type,
    role: task.role,
    state: task.state,
    outcome: task.outcome ?? null,
    claimedBy: task.claimedBy ?? null,
  });

  /** Whether the process keeps the task from the run's starter, and who that is. */
  const dutiesOf = (task: PrepaidTask): RunDuties => ({
    separationOfDuties: separatesDuties(PROCESS, task.stepId ?? null),
    // A run stored before `startedBy` existed: its first step was taken by whoever started it.
    startedBy: task.run ? (task.run.startedBy ?? task.run.steps?.[0]?.actor ?? null) : null,
  });

  /**
   * A refusal of the task rules, as the error that answers it (409, 403 or 400); nothing was written.
   * A 403 is a PolicyError: Strapi answers any other ForbiddenError with a bare "Forbidden", and
   * this one must say why.
   */
  const refuse = (refusal: TaskRefusal): never => {
    if (refusal.refused === 'conflict') throw new ConflictError(refusal.reason, refusal.details);
    if (refusal.refused === 'forbidden') throw new errors.PolicyError(refusal.reason);
    throw new errors.ValidationError(refusal.reason);
  };

  /** Stores who holds the task now, with an audit entry of the change (before and after). */
  const storeClaim = async (task: TaskWithRun, claimedBy: StepActor | null, audit: { action: string; summary: string; actor: Actor; reason?: string }) => {
    const updated = await strapi.documents(TASK_UID).update({
      documentId: task.documentId,
      data: { claimedBy, claimedAt: claimedBy ? clockNow() : null } as unknown as TaskInput,
      populate: ['run', 'invoice'],
    });
    await writeAudit(strapi, {
      action: audit.action,
      entityUid: TASK_UID,
      entityDocumentId: task.documentId,
      actor: audit.actor,
      changes: { claimedBy: { before: task.claimedBy ?? null, after: claimedBy } },
      summary: `${task.type} task ${audit.summary}${audit.reason ? `: ${audit.reason}` : ''}`.slice(0, 500),
      data: { task: task.documentId, run: task.run?.documentId ?? null, ...(audit.reason ? { reason: audit.reason } : {}) },
      occurredAt: clockNow(),
    });
    return updated as PrepaidTask | null;
  };

  /**
   * The process's follow-up `documentId`, when it is one: the engine's task, which the engine's
   * rules, locks and audit act on (null for a step's task, or none).
   */
  const followUp = async (documentId: string): Promise<PrepaidTask | null> =>
    (await strapi.db.query(TASK_UID).findOne({ where: { documentId }, select: ['id'] })) ? null : ownService(strapi, 'follow-ups').find(documentId);

  const loadRun = (documentId: string) =>
    runs().findOne({ documentId, populate: { servicePlan: true, invoice: true } }) as Promise<LoadedRun | null>;

  /** The run as the process's handlers read it: its service plan as subject, what it keeps as context. */
  const viewOf = (run: LoadedRun): RunView => ({
    documentId: run.documentId,
    processId: PROCESS.id,
    version: run.processVersion ?? PROCESS.version,
    subject: { type: SERVICE_PLAN_UID, documentId: run.servicePlan.documentId },
    context: {
      kind: run.kind,
      periodStart: run.periodStart ?? null,
      periodEnd: run.periodEnd ?? null,
      invoice: run.invoice ? { documentId: run.invoice.documentId, number: run.invoice.number } : null,
      previousPlanState: run.previousPlanState ?? null,
    } satisfies PrepaidContext,
    startedBy: run.startedBy ?? null,
  });

  const contextOf = (run: LoadedRun, stepId: string, actor: Actor): HandlerContext => ({
    strapi,
    run: viewOf(run),
    step: PROCESS.steps.find((s) => s.id === stepId)!,
    actor: asStepActor(actor),
    now: clockNow(),
    today: today(),
  });

  /** What a step added to the run's context, as the run's columns keep it. */
  const columnsOf = (context: Partial<PrepaidContext> = {}) => ({
    ...('periodStart' in context ? { periodStart: context.periodStart, periodEnd: context.periodEnd } : {}),
    ...(context.invoice ? { invoice: context.invoice.documentId } : {}),
  });

  /** A human step opens its task, once by its key, and waits for it. */
  const openTask = async (run: LoadedRun, step: StepDefinition): Promise<StepOutcome> => {
    const task = stepTask({ runDocumentId: run.documentId, step, today: today(), taskDueBusinessDays: pluginConfig().taskDueBusinessDays });
    const existing = await strapi.db.query(TASK_UID).findOne({ where: { taskKey: task.taskKey } });
    if (!existing) await strapi.documents(TASK_UID).create({ data: { ...task, run: run.documentId } as unknown as TaskInput });
    return { outcome: 'wait', result: stepResults.waitingFor(step) };
  };

  const auditStep = async (run: LoadedRun, stepTitle: string, verb: string, result: string, actor: Actor) => {
    await writeAudit(strapi, { ...stepAuditEntry(run, { id: run.currentStep!, title: stepTitle }, verb, result), actor, occurredAt: clockNow() });
  };

  const save = async (run: LoadedRun, progress: RunProgress, changes: Record<string, unknown> = {}) =>
    runs().update({
      documentId: run.documentId,
      data: {
        ...changes,
        state: progress.state,
        outcome: progress.outcome ?? null,
        currentStep: progress.currentStep,
        steps: progress.steps,
        openKey: isOpen(progress.state) ? run.servicePlan.documentId : null,
      } as unknown as RunInput,
    });

  /** Executes the current step once; returns whether the run moved on to another step. */
  const step = async (documentId: string, actor: Actor): Promise<boolean> =>
    strapi.db.transaction(async ({ trx }) => {
      await lockRun(trx, documentId);
      const run = await loadRun(documentId);
      if (!run || !isOpen(run.state)) return false;
      const definition = PROCESS.steps.find((s) => s.id === run.currentStep)!;
      const effect = PREPAID_PLAN_HANDLERS.effects[definition.id];
      const outcome: StepOutcome = effect ? await effect(contextOf(run, definition.id, actor)) : await openTask(run, definition);
      const now = clockNow().toISOString();
      const progress = progressOf(run);

      if (outcome.outcome === 'wait') {
        const current = progress.steps.find((s) => s.id === run.currentStep)!;
        if (current.state === 'waiting' && current.result === outcome.result) return false;
        await save(run, waitAt(progress, outcome.result, now));
        await auditStep(run, definition.title, 'waiting', outcome.result, actor);
        return false;
      }
      if (outcome.outcome === 'fail') {
        await save(run, failStep(progress, asStepActor(actor), outcome.result, now));
        await auditStep(run, definition.title, 'failed', outcome.result, actor);
        return false;
      }
      await save(run, completeStep(progress, asStepActor(actor), outcome.result, now), columnsOf(outcome.context));
      await auditStep(run, definition.title, 'done', outcome.result, actor);
      return true;
    });

  /** Sends what the committed steps wrote to the outbox; a failure here never fails the run. */
  const flushOutbox = async () => {
    try {
      await messages(strapi).dispatch();
    } catch (error) {
      strapi.log.warn(`Outbox dispatch failed, it will be retried: ${(error as Error).message}`);
    }
  };

  /**
   * Completes an open task inside the caller's transaction. A step's task moves its run on (the
   * id of the run to advance is returned) or, rejected, stops it; a follow-up task just closes.
   */
  const finishTask = async (trx: Transaction, task: TaskWithRun, input: { outcome: string; note?: string }, actor: Actor): Promise<string | null> => {
    if (task.run) await lockRun(trx, task.run.documentId);
    const fresh: PrepaidTask = await strapi.db.query(TASK_UID).findOne({ where: { id: task.id } });
    if (fresh.state !== 'open') throw new ConflictError(`Task ${task.documentId} is already ${fresh.state}`, { outcome: fresh.outcome });
    const outcomes = TASK_OUTCOMES[task.type];
    if (!outcomes[input.outcome]) {
      throw new errors.ValidationError(`Outcome of a ${task.type} task must be ${Object.keys(outcomes).join(' or ')}`);
    }
    const run = task.run ? await loadRun(task.run.documentId) : null;
    const effect = outcomes[input.outcome];
    if (effect !== 'close' && (!run || run.currentStep !== task.stepId || !isOpen(run.state))) {
      throw new ConflictError(`Run ${run?.documentId ?? '(none)'} is not waiting for this task`);
    }
    // The process checks the decision against what only it knows (a payment recorded or not).
    const check = (PREPAID_PLAN_HANDLERS.checkOutcome as ProcessHandlers['checkOutcome'])?.[task.type];
    if (check && effect !== 'close') await check({ ...contextOf(run!, task.stepId!, actor), outcome: input.outcome, note: input.note ?? null });
    await strapi.documents(TASK_UID).update({
      documentId: task.documentId,
      data: {
        state: 'completed',
        outcome: input.outcome,
        note: input.note ?? null,
        completedBy: asStepActor(actor),
        completedAt: clockNow(),
      } as unknown as TaskInput,
    });
    const result = `${input.outcome}${input.note ? `: ${input.note}` : ''}`;
    if (effect === 'close') {
      await writeAudit(strapi, {
        action: 'task.completed',
        entityUid: TASK_UID,
        entityDocumentId: task.documentId,
        actor,
        summary: `${task.type} task closed: ${result}`.slice(0, 500),
        data: { task: task.documentId, outcome: input.outcome },
        occurredAt: clockNow(),
      });
      return null;
    }
    // The checks above leave a run here: only a follow-up task closes without one.
    const title = PROCESS.steps.find((s) => s.id === task.stepId)!.title;
    const now = clockNow().toISOString();
    if (effect === 'continue') {
      await save(run!, completeTask(progressOf(run!), input.outcome, asStepActor(actor), input.note, now));
      await auditStep(run!, title, 'done', result, actor);
      return run!.documentId;
    }
    // A rejection is a decision, not an error: the run ends completed with the outcome `rejected`
    // (the steps after it skipped, saying why), and a new run is the way forward.
    await PREPAID_PLAN_HANDLERS.onReject({ ...contextOf(run!, task.stepId!, actor), reason: result });
    await save(run!, completeTask(progressOf(run!), input.outcome, asStepActor(actor), input.note, now));
    await auditStep(run!, title, 'rejected', result, actor);
    return null;
  };

  /**
   * Opens a run for a service plan and takes its first two steps, in one transaction (the
   * caller's, if any): a start that fails — the plan changed meanwhile, a guard refused — leaves no
   * run behind holding the plan. A plan the process cannot move to Processing is refused before
   * any run exists. 409 with the open run's id when there is one already.
   */
  const open = async (servicePlanDocumentId: string, kind: 'new' | 'renewal') => {
    const refuse = (existing: { documentId: string }) => {
      throw new ConflictError(`Service plan ${servicePlanDocumentId} already has an open run`, { run: existing.documentId });
    };
    const already = await prepaidRuns(strapi).openOf(servicePlanDocumentId);
    if (already) refuse(already);
    const servicePlan: ServicePlanRecord | null = await loadServicePlan(strapi, servicePlanDocumentId);
    if (!servicePlan) throw new errors.NotFoundError(`No service plan ${servicePlanDocumentId}`);
    if (!servicePlanMachine.transitions[servicePlan.state as ServicePlanStatus].includes('Processing')) {
      throw new errors.ValidationError(
        `Service plan ${servicePlanDocumentId} is ${servicePlan.state}, which is final: it cannot be ${kind === 'new' ? 'bought' : 'renewed'}; sell a new plan instead`,
      );
    }
    // What the run will invoice must be an amount an invoice can hold: refused before anything is written.
    try {
      buildInvoice({ ...servicePlan.plan, addOns: servicePlan.plan.addOns ?? [] }, servicePlan.addOnCodes ?? [], kind);
    } catch (error) {
      if (!(error instanceof MoneyError)) throw error;
      throw new errors.ValidationError(`Service plan ${servicePlanDocumentId} cannot be invoiced: ${error.message}`);
    }
    if (kind === 'renewal') {
      const window = engine.renewalWindow(servicePlan);
      if (!window.mayStart) {
        throw new ConflictError(
          `Service plan ${servicePlanDocumentId} is paid until ${servicePlan.endDate}: its renewal may start from ${window.firstDay} (${counted(window.leadDays, 'day')} before the paid period ends)`,
          { firstRenewalDay: window.firstDay, paidUntil: servicePlan.endDate },
        );
      }
    }
    const actor = currentActor(strapi);
    let opened: string | null = null;
    try {
      return await strapi.db.transaction(async () => {
        const run = await runs().create({
          data: { ...openingRun({ kind, servicePlan, startedBy: asStepActor(actor) }), servicePlan: servicePlanDocumentId } as unknown as RunInput,
        });
        opened = run.documentId;
        if (await step(run.documentId, actor)) await step(run.documentId, actor);
        return run;
      });
    } catch (error) {
      // Two requests at once: the unique open key lets one run through and refuses the other.
      // (Inside a caller's transaction — a purchase — the run this call opened is still visible.)
      const winner = await prepaidRuns(strapi).openOf(servicePlanDocumentId);
      if (winner && winner.documentId !== opened) refuse(winner);
      throw error;
    }
  };

  const engine = {
    /** When the plan's renewal may start: from `jobs.renewalLeadDays` before its paid period ends. */
    renewalWindow(servicePlan: { endDate?: string | null }, on: string = today()) {
      const leadDays = (strapi.config.get('plugin::plan-renewals') as { jobs: JobsConfig }).jobs.renewalLeadDays;
      const paidUntil = servicePlan.endDate ?? null;
      return { leadDays, firstDay: firstRenewalDay(paidUntil, leadDays), mayStart: renewalMayStart({ paidUntil, leadDays, today: on }) };
    },

    /** Runs automatic steps until the run waits for a person or a payment, fails or completes. */
    async advance(documentId: string, actor: Actor = { type: 'system', name: 'plan-renewals' }) {
      for (let i = 0; i < PROCESS.steps.length && (await step(documentId, actor)); i += 1);
      // A card payment requested by step 4 goes to Stripe now that the step is committed.
      const run = await loadRun(documentId);
      if (run?.invoice?.paymentRequest !== 'pending') {
        await flushOutbox();
        return run;
      }
      await ownService(strapi, 'card-payments').requestPending(new Date(), run.invoice.documentId);
      await flushOutbox();
      return loadRun(documentId); // with the payment URL the request stored
    },

    /** Opens a run for a service plan; 409 with the open run's id when there is one already. */
    async start(servicePlanDocumentId: string, kind: 'new' | 'renewal') {
      const run = await open(servicePlanDocumentId, kind);
      // The run just opened: advance finds it.
      return (await engine.advance(run.documentId, currentActor(strapi)))!;
    },

    /** A new purchase: the service plan (Pending), its run, and the run's first steps up to payment. */
    async purchase(input: { customer: string; plan: string; addOns: string[]; paymentMethod: 'manual' | 'stripe'; vehicle?: string }) {
      const customer = await strapi.documents('api::customer.customer').findOne({ documentId: input.customer });
      if (!customer) throw new errors.ValidationError(`No customer ${input.customer}`);
      const plan = await strapi.documents('api::plan.plan').findFirst({ filters: { code: input.plan } });
      if (!plan) throw new errors.ValidationError(`No plan with code ${input.plan}`);
      if (!plan.active) throw new errors.ValidationError(`Plan ${plan.code} is retired and cannot be bought`);
      // The service plan, its run and the run's first steps are one transaction: a purchase
      // refused on the way leaves neither a plan nor a run behind.
      const { servicePlan, run } = await strapi.db.transaction(async () => {
        const created = await strapi.documents('api::service-plan.service-plan').create({
          data: {
            customer: customer.documentId,
            plan: plan.documentId,
            state: 'Pending',
            addOnCodes: input.addOns,
            paymentMethod: input.paymentMethod,
            vehicle: input.vehicle ?? null,
            autoRenew: true,
            renewalCount: 0,
          } as unknown as Modules.Documents.Params.Data.Input<'api::service-plan.service-plan'>, // a null vehicle: see RunInput
        });
        return { servicePlan: created, run: await open(created.documentId, 'new') };
      });
      return { servicePlan, run: (await engine.advance(run.documentId, currentActor(strapi)))! };
    },

    /**
     * A person completes a human task with an outcome; the run moves on (or stops, on a rejection).
     * The task rules decide first, under the run's and the task's row locks: a task someone else
     * claimed is theirs (409), the run's starter may not complete a task the process keeps from
     * them (403), a rejection needs a note (400). An unclaimed task may be completed directly.
     */
    async completeTask(taskDocumentId: string, input: { outcome: string; note?: string }, roles: string[]) {
      if (await followUp(taskDocumentId)) {
        // A follow-up closes: no run moves.
        await getService(strapi, 'tasks').complete(taskDocumentId, input, roles);
        return null;
      }
      const actor = currentActor(strapi);
      const runDocumentId = await strapi.db.transaction(async ({ trx }) => {
        const found: TaskWithRun | null = await strapi.db.query(TASK_UID).findOne({ where: { documentId: taskDocumentId }, populate: ['run'] });
        if (!found) throw new errors.NotFoundError(`No task ${taskDocumentId}`);
        if (found.run) await lockRun(trx, found.run.documentId);
        const task = await lockedTask(trx, taskDocumentId, roles);
        const rejects = TASK_OUTCOMES[task.type]?.[input.outcome] === 'reject';
        const refusal = mayCompleteTask(humanTask(task), asStepActor(actor), dutiesOf(task), { rejects, note: input.note });
        if (refusal) refuse(refusal);
        return finishTask(trx, task, input, actor);
      });
      // The automatic steps a completion sets off are done on behalf of whoever completed it.
      if (runDocumentId) return engine.advance(runDocumentId, actor);
      await flushOutbox();
      return null;
    },

    /**
     * Takes an open task of one of `roles` on: others see who works on it. Someone else's claim is
     * never overridden (409 naming the holder); claiming one's own again changes nothing.
     */
    async claimTask(taskDocumentId: string, roles: string[]) {
      if (await followUp(taskDocumentId)) {
        await getService(strapi, 'tasks').claim(taskDocumentId, roles);
        return followUp(taskDocumentId);
      }
      const actor = currentActor(strapi);
      return strapi.db.transaction(async ({ trx }) => {
        const task = await lockedTask(trx, taskDocumentId, roles);
        const ruling = claimRuling(humanTask(task), asStepActor(actor), dutiesOf(task));
        if (isRefusal(ruling)) return refuse(ruling);
        if (!ruling.changed) return (await strapi.documents(TASK_UID).findOne({ documentId: taskDocumentId, populate: ['run', 'invoice'] })) as PrepaidTask | null;
        return storeClaim(task, ruling.claimedBy, { action: 'task.claimed', summary: `claimed by ${actor.name ?? actor.type}`, actor });
      });
    },

    /** The holder gives a claimed task back to its role; anyone else gets a 409 (an admin reassigns instead). */
    async unclaimTask(taskDocumentId: string, roles: string[]) {
      if (await followUp(taskDocumentId)) {
        await getService(strapi, 'tasks').unclaim(taskDocumentId, roles);
        return followUp(taskDocumentId);
      }
      const actor = currentActor(strapi);
      return strapi.db.transaction(async ({ trx }) => {
        const task = await lockedTask(trx, taskDocumentId, roles);
        const ruling = unclaimRuling(humanTask(task), asStepActor(actor));
        if (isRefusal(ruling)) return refuse(ruling);
        return storeClaim(task, null, { action: 'task.unclaimed', summary: `given back by ${actor.name ?? actor.type}`, actor });
      });
    },

    /**
     * An admin hands an open task to a staff user of its role, whoever held it (400 for a user
     * without the role, a blocked one, or the run's starter when the process keeps the task from them).
     */
    async reassignTask(taskDocumentId: string, input: { user: string; reason?: string }) {
      if (await followUp(taskDocumentId)) {
        await getService(strapi, 'tasks').reassign(taskDocumentId, input);
        return followUp(taskDocumentId);
      }
      const actor = currentActor(strapi);
      return strapi.db.transaction(async ({ trx }) => {
        const task = await lockedTask(trx, taskDocumentId, 'any');
        const user: StaffUser | null = await strapi.db.query('plugin::users-permissions.user').findOne({ where: { documentId: input.user }, populate: ['role'] });
        if (!user) throw new errors.ValidationError(`No staff user ${input.user}`);
        if (user.blocked) throw new errors.ValidationError(`${user.username} is blocked: a task goes to someone who can sign in`);
        const to: StepActor = { type: 'user', id: String(user.id), name: user.username ?? user.email };
        const ruling = reassignRuling(humanTask(task), { actor: to, roles: user.role?.type ? [user.role.type] : [] }, dutiesOf(task));
        if (isRefusal(ruling)) return refuse(ruling);
        if (!ruling.changed) return (await strapi.documents(TASK_UID).findOne({ documentId: taskDocumentId, populate: ['run', 'invoice'] })) as PrepaidTask | null;
        const from = task.claimedBy ? ` from ${task.claimedBy.name ?? task.claimedBy.type}` : '';
        return storeClaim(task, to, { action: 'task.reassigned', summary: `reassigned${from} to ${to.name}`, actor, reason: input.reason });
      });
    },

    /**
     * The signal a payment sends the run waiting for it (`payment-succeeded`, the signal its
     * check-payment step awaits); webhooks and counter payments send it, nothing else. Inside the
     * caller's transaction, under the run's lock. A payment Stripe `confirmed` (a signed webhook)
     * is its own authorization: the run's open verify-payment task is approved by Stripe. A counter
     * payment is not: Finance still verifies it. Returns the run to advance after commit, or null
     * when no run waits for this invoice's payment.
     */
    async signalPaymentIn(trx: Transaction, invoiceDocumentId: string, input: { actor: Actor; result: string; confirmed: boolean }): Promise<string | null> {
      const open = await prepaidRuns(strapi).ofInvoice(invoiceDocumentId);
      if (!open || !isOpen(open.state)) return null;
      await lockRun(trx, open.documentId);
      const run = await loadRun(open.documentId);
      if (!run || !isOpen(run.state)) return null;
      if (run.currentStep === 'check-payment') return run.documentId;
      if (run.currentStep !== 'verify-payment' || !input.confirmed) return null;
      const task: TaskWithRun | null = await strapi.db.query(TASK_UID).findOne({
        where: { type: 'verify-payment', state: 'open', run: { documentId: run.documentId } },
        populate: ['run'],
      });
      return task ? finishTask(trx, task, { outcome: 'approved', note: input.result }, input.actor) : null;
    },

    /** Inside the caller's transaction: cancels an open run and its open step tasks. */
    async cancelIn(runDocumentId: string, reason: string, actor: Actor): Promise<boolean> {
      const run = await loadRun(runDocumentId);
      if (!run || !isOpen(run.state)) return false;
      const title = PROCESS.steps.find((s) => s.id === run.currentStep)?.title ?? 'run';
      await save(run, cancelRun(progressOf(run), asStepActor(actor), reason, clockNow().toISOString()));
      const open: PrepaidTask[] = await strapi.db.query(TASK_UID).findMany({ where: { run: { documentId: runDocumentId }, state: 'open' } });
      for (const task of open.filter((t) => t.stepId)) {
        await strapi.db.query(TASK_UID).update({ where: { id: task.id }, data: { state: 'cancelled' } });
      }
      await auditStep(run, title, 'cancelled', reason, actor);
      return true;
    },

    /**
     * Cancels an open run by hand (admin panel): its Open invoice is voided and the plan goes back
     * where it stood. A run whose invoice already has a payment is refused: refund it instead.
     */
    async cancel(runDocumentId: string, reason: string) {
      const actor = currentActor(strapi);
      await strapi.db.transaction(async ({ trx }) => {
        await lockRun(trx, runDocumentId);
        const run = await loadRun(runDocumentId);
        if (!run) throw new errors.NotFoundError(`No run ${runDocumentId}`);
        if (!isOpen(run.state)) throw new ConflictError(`Run ${runDocumentId} is ${run.state}: only an open run can be cancelled`);
        // The process undoes what the run did, or refuses (a payment recorded: refund it instead).
        await PREPAID_PLAN_HANDLERS.onCancel({ ...contextOf(run, run.currentStep ?? PROCESS.steps[0].id, actor), reason });
        await engine.cancelIn(runDocumentId, reason, actor);
      });
      await flushOutbox();
      return loadRun(runDocumentId);
    },

    /** Tries a failed automatic step again (after its cause was fixed) and moves the run on. */
    async retry(runDocumentId: string) {
      const actor = currentActor(strapi);
      await strapi.db.transaction(async ({ trx }) => {
        await lockRun(trx, runDocumentId);
        const run = await loadRun(runDocumentId);
        if (!run) throw new errors.NotFoundError(`No run ${runDocumentId}`);
        let progress: RunProgress;
        try {
          progress = retryStep(progressOf(run));
        } catch (error) {
          if (error instanceof WorkflowError) throw new ConflictError(error.message);
          throw error;
        }
        const open = await prepaidRuns(strapi).openOf(run.servicePlan.documentId);
        if (open) throw new ConflictError(`Service plan ${run.servicePlan.documentId} already has an open run`, { run: open.documentId });
        await save(run, progress);
        const title = PROCESS.steps.find((s) => s.id === run.currentStep)!.title;
        await auditStep(run, title, 'retried', 'tried again by hand', actor);
      });
      return engine.advance(runDocumentId, actor);
    },

    /** Sends what committed work wrote to the outbox. */
    flushOutbox,

    /** Records a counter payment of an Open invoice; a run waiting for it moves on. */
    async recordManualPayment(invoiceDocumentId: string, input: { amountMinor: number; currency: string; reference: string }) {
      const actor = currentActor(strapi);
      const transaction = await strapi.db.transaction(async ({ trx }) => {
        // Under the invoice's row lock, so two payments recorded at once see each other.
        await lockInvoice(strapi, trx, invoiceDocumentId);
        const invoice = (await strapi.documents('api::invoice.invoice').findOne({ documentId: invoiceDocumentId, populate: ['transactions'] })) as InvoiceRecord | null;
        if (!invoice) throw new errors.NotFoundError(`No invoice ${invoiceDocumentId}`);
        if (invoice.state !== 'Open') throw new ConflictError(`Invoice ${invoice.number} is ${invoice.state}, not Open: no payment can be recorded`);
        if (input.currency !== invoice.currency || input.amountMinor !== invoice.totalMinor) {
          throw new errors.ValidationError(
            `Invoice ${invoice.number} is for ${format(money(invoice.totalMinor, invoice.currency))}; the payment must be exactly that amount in that currency`,
          );
        }
        const duplicate = await strapi.db
          .query('api::transaction.transaction')
          .findOne({ where: { provider: 'manual', providerReference: input.reference } });
        if (duplicate) throw new ConflictError(`A manual payment with reference ${input.reference} is already recorded`);
        // One payment per invoice: the successful payments of an invoice never exceed its total.
        const recorded = (invoice.transactions ?? []).filter((t) => t.state === 'Success');
        const paid = recorded.reduce((sum: number, t) => sum + t.amountMinor, 0);
        if (recorded.length > 0 && paid + input.amountMinor > invoice.totalMinor) {
          const first = recorded[0];
          throw new ConflictError(
            `Invoice ${invoice.number} already has a payment of ${format(money(first.amountMinor, first.currency))} recorded (${first.provider} ${first.providerReference}): no second payment can be recorded`,
            { transaction: first.documentId, provider: first.provider, providerReference: first.providerReference },
          );
        }
        const recordedNow = await strapi.documents('api::transaction.transaction').create({
          data: {
            invoice: invoiceDocumentId,
            amountMinor: input.amountMinor,
            currency: input.currency,
            state: 'Success',
            provider: 'manual',
            providerReference: input.reference,
            occurredAt: clockNow(),
          },
        });
        await ownService(strapi, 'follow-ups').settle(invoice, `counter payment ${input.reference}`);
        return recordedNow;
      });
      // The payment committed, its signal follows in a transaction of its own (the invoice's lock
      // is not held while the run's is taken).
      const signalled = await strapi.db.transaction(({ trx }) =>
        engine.signalPaymentIn(trx, invoiceDocumentId, { actor, result: `counter payment ${input.reference}`, confirmed: false }),
      );
      if (signalled) await engine.advance(signalled, actor);
      return transaction;
    },
  };

  return engine;
};
