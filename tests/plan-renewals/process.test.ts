import { RunInput, progressRun, startRun as startWorkflowRun, validateDefinition } from '../../src/plugins/workflows/server/src/domain';
import { PREPAID_PLAN_PROCESS, RunProgress, StepActor, TASK_OUTCOMES } from '../../src/plugins/plan-renewals/server/src/domain';

/** The engine's progression with this process's definition, one named move per input. */
const move = (run: RunProgress, input: RunInput) => progressRun(PREPAID_PLAN_PROCESS, run, input);
const startRun = () => startWorkflowRun(PREPAID_PLAN_PROCESS);
const markStep = (run: RunProgress, state: 'running' | 'waiting', at: string) => move(run, state === 'waiting' ? { type: 'wait', at } : { type: 'start', at });
const completeStep = (run: RunProgress, actor: StepActor, result: string, at: string) => move(run, { type: 'done', actor, result, at });
const completeTask = (run: RunProgress, outcome: string, actor: StepActor, note: string | undefined, at: string) => move(run, { type: 'task-outcome', outcome, note, actor, at });
const failStep = (run: RunProgress, actor: StepActor, result: string, at: string) => move(run, { type: 'fail', actor, result, at });
const cancelRun = (run: RunProgress, actor: StepActor, reason: string, at: string) => move(run, { type: 'cancel', actor, reason, at });
const retryStep = (run: RunProgress) => move(run, { type: 'retry' });

const system = { type: 'system' };
const fin = { type: 'user', id: '7', name: 'fin' };

describe('the pre-paid plan process', () => {
  test('declares the thirteen steps of DESIGN.md, in order, with their kinds and roles', () => {
    const role = (s: (typeof PREPAID_PLAN_PROCESS.steps)[number]) => (s.kind === 'human-task' ? s.task.role : null);
    expect(PREPAID_PLAN_PROCESS.steps.map((s) => [s.title, s.kind, role(s)])).toEqual([
      ['Retrieve customer subscription details', 'automatic', null],
      ['Update plan status to Processing', 'automatic', null],
      ['Calculate total invoice amount', 'automatic', null],
      ['Create invoice entry', 'automatic', null],
      ['Verify payment authorization', 'human-task', 'finance'],
      ['Check payment status', 'await-signal', null],
      ['Update invoice to Paid', 'automatic', null],
      ['Activate service plan', 'automatic', null],
      ['Create service provisioning log', 'automatic', null],
      ['Send activation confirmation', 'notify', null],
      ['Post-activation quality check', 'human-task', 'customer-success'],
      ['Calculate MRR', 'automatic', null],
      ['Generate monthly revenue report', 'automatic', null],
    ]);
    expect(validateDefinition(PREPAID_PLAN_PROCESS)).toEqual([]);
  });

  test('its task outcomes: a step task continues or rejects, a follow-up only closes', () => {
    expect(TASK_OUTCOMES).toEqual({
      'verify-payment': { approved: 'continue', rejected: 'reject' },
      'quality-check': { passed: 'continue', failed: 'continue' },
      'payment-mismatch': { resolved: 'close', dismissed: 'close' },
      dispute: { resolved: 'close', dismissed: 'close' },
      'collect-payment': { resolved: 'close', dismissed: 'close' },
      refund: { resolved: 'close', dismissed: 'close' },
      'stripe-event': { resolved: 'close', dismissed: 'close' },
    });
  });
});

describe('a run', () => {
  /** The first four (automatic) steps done, the payment task waiting. */
  const atVerification = (): RunProgress => {
    let run = startRun();
    for (const t of ['t1', 't2', 't3', 't4']) run = completeStep(run, system, `done at ${t}`, t);
    return markStep(run, 'waiting', 't5');
  };

  test('starts running at its first step, every step pending', () => {
    const run = startRun();
    expect(run.state).toBe('running');
    expect(run.currentStep).toBe('retrieve-subscription');
    expect(new Set(run.steps.map((s) => s.state))).toEqual(new Set(['pending']));
  });

  test('moves step by step to completed, recording when and by whom', () => {
    let run = markStep(startRun(), 'running', 't0');
    run = completeStep(run, system, 'retrieved', 't1');
    expect([run.state, run.currentStep]).toEqual(['running', 'mark-processing']);
    expect(run.steps[0]).toEqual({
      id: 'retrieve-subscription',
      title: 'Retrieve customer subscription details',
      kind: 'automatic',
      state: 'done',
      startedAt: 't0',
      endedAt: 't1',
      actor: system,
      result: 'retrieved',
    });
    run = atVerification();
    expect([run.state, run.currentStep]).toEqual(['waiting', 'verify-payment']);
    run = completeTask(run, 'approved', fin, 'paid at the counter', 't6');
    expect(run.steps[4]).toEqual({
      id: 'verify-payment',
      title: 'Verify payment authorization',
      kind: 'human-task',
      state: 'done',
      startedAt: 't5',
      endedAt: 't6',
      actor: fin,
      result: 'approved: paid at the counter',
    });
    for (const id of ['check-payment', 'mark-invoice-paid', 'activate-plan', 'provisioning-log', 'send-confirmation']) {
      expect(run.currentStep).toBe(id);
      run = completeStep(run, system, id, 't7');
    }
    run = completeTask(run, 'failed', fin, undefined, 't8');
    expect(run.steps[10].result).toBe('failed');
    run = completeStep(completeStep(run, system, 'mrr', 't9'), system, 'report', 't9');
    expect([run.state, run.currentStep]).toEqual(['completed', null]);
    expect(run.steps.every((s) => s.state === 'done')).toBe(true);
  });

  test('a task is completed with one of its declared outcomes, never as a plain step', () => {
    expect(() => completeStep(atVerification(), fin, 'approved', 't6')).toThrow('"Verify payment authorization" is done with a task outcome');
    expect(() => completeTask(atVerification(), 'maybe', fin, undefined, 't6')).toThrow('the outcome must be one of approved, rejected, not maybe');
  });

  test('stops at a failed step', () => {
    const run = failStep(startRun(), system, 'customer has no email', 't1');
    expect([run.state, run.currentStep, run.steps[0].state, run.steps[1].state]).toEqual(['failed', 'retrieve-subscription', 'failed', 'pending']);
    expect(() => completeStep(run, system, 'x', 't2')).toThrow('The run is failed');
  });

  test('a rejected payment stops the run as failed, as it always has', () => {
    const run = failStep(atVerification(), fin, 'rejected: no payment', 't6');
    expect([run.state, run.currentStep, run.steps[4].state, run.outcome]).toEqual(['failed', 'verify-payment', 'failed', undefined]);
  });

  test('cancelling skips what is not done; a closed run cannot be cancelled', () => {
    const done = completeStep(startRun(), system, 'ok', 't1');
    const cancelled = cancelRun(done, system, 'customer changed their mind', 't2');
    expect(cancelled.state).toBe('cancelled');
    expect(cancelled.steps.slice(0, 3).map((s) => [s.state, s.result])).toEqual([
      ['done', 'ok'],
      ['skipped', 'customer changed their mind'],
      ['skipped', null],
    ]);
    expect(() => cancelRun(cancelled, system, 'again', 't3')).toThrow('A cancelled run cannot be cancelled');
  });

  test.each([
    ['a failed automatic step', () => failStep(startRun(), system, 'no email', 't1'), null],
    ['a running run', () => startRun(), 'A running run has no failed step to retry'],
    ['a cancelled run', () => cancelRun(startRun(), system, 'no', 't1'), 'A cancelled run has no failed step'],
    ['a rejected human task', () => failStep(atVerification(), fin, 'rejected: no payment', 't6'), '"Verify payment authorization" was decided by a person (rejected: no payment); start a new run instead'],
  ])('retrying %s', (_, make, refusal) => {
    const run = make();
    if (refusal) {
      expect(() => retryStep(run)).toThrow(refusal);
      return;
    }
    const retried = retryStep(run);
    expect([retried.state, retried.currentStep]).toEqual(['running', 'retrieve-subscription']);
    expect(retried.steps[0]).toEqual({
      id: 'retrieve-subscription',
      title: 'Retrieve customer subscription details',
      kind: 'automatic',
      state: 'pending',
      startedAt: null,
      endedAt: null,
      actor: null,
      result: null,
    });
    expect(retried.steps.slice(1)).toEqual(run.steps.slice(1));
  });

  test('a run stored before the process was declared to the workflows engine moves on as before', () => {
    // Such rows carry the kind names of the first definition and no outcome.
    const legacyKinds: Record<string, string> = { 'check-payment': 'wait-for-payment', 'send-confirmation': 'notification' };
    let run: RunProgress = atVerification();
    run = { state: run.state, currentStep: run.currentStep, steps: run.steps.map((s) => ({ ...s, kind: legacyKinds[s.id] ?? s.kind })) };
    run = completeTask(run, 'approved', fin, undefined, 't6');
    run = markStep(run, 'waiting', 't7');
    expect([run.state, run.currentStep, run.steps[5].kind]).toEqual(['waiting', 'check-payment', 'wait-for-payment']);
    while (run.state !== 'completed') run = run.currentStep === 'quality-check' ? completeTask(run, 'passed', fin, undefined, 't8') : completeStep(run, system, 'ok', 't8');
    expect(run.steps[9]).toMatchObject({ kind: 'notification', state: 'done' });
  });
});
