import {
  PREPAID_PLAN_PROCESS,
  ProcessDefinition,
  assertValidProcess,
  cancelRun,
  completeStep,
  failStep,
  markStep,
  retryStep,
  startRun,
} from '../../src/plugins/plan-renewals/server/src/domain';

const system = { type: 'system' };

describe('the pre-paid plan process', () => {
  test('declares the thirteen steps of DESIGN.md, in order, with their kinds', () => {
    expect(PREPAID_PLAN_PROCESS.steps.map((s) => [s.title, s.kind, s.task?.role ?? null])).toEqual([
      ['Retrieve customer subscription details', 'automatic', null],
      ['Update plan status to Processing', 'automatic', null],
      ['Calculate total invoice amount', 'automatic', null],
      ['Create invoice entry', 'automatic', null],
      ['Verify payment authorization', 'human-task', 'finance'],
      ['Check payment status', 'wait-for-payment', null],
      ['Update invoice to Paid', 'automatic', null],
      ['Activate service plan', 'automatic', null],
      ['Create service provisioning log', 'automatic', null],
      ['Send activation confirmation', 'notification', null],
      ['Post-activation quality check', 'human-task', 'customer-success'],
      ['Calculate MRR', 'automatic', null],
      ['Generate monthly revenue report', 'automatic', null],
    ]);
    expect(() => assertValidProcess(PREPAID_PLAN_PROCESS)).not.toThrow();
  });

  const broken: [string, ProcessDefinition, RegExp][] = [
    ['no steps', { id: 'p', name: 'P', steps: [] }, /has no steps/],
    [
      'a duplicate step id',
      { id: 'p', name: 'P', steps: [{ id: 'a', title: 'A', kind: 'automatic' }, { id: 'a', title: 'B', kind: 'automatic' }] },
      /declares step a twice/,
    ],
    ['a human task without a task', { id: 'p', name: 'P', steps: [{ id: 'a', title: 'A', kind: 'human-task' }] }, /names its task/],
    [
      'a task on an automatic step',
      { id: 'p', name: 'P', steps: [{ id: 'a', title: 'A', kind: 'automatic', task: { type: 'verify-payment', role: 'finance' } }] },
      /names its task/,
    ],
    [
      'a task type without outcomes',
      { id: 'p', name: 'P', steps: [{ id: 'a', title: 'A', kind: 'human-task', task: { type: 'sign-off', role: 'finance' } }] },
      /no declared outcomes/,
    ],
  ];
  test.each(broken)('refuses a process with %s', (_name, process, message) => {
    expect(() => assertValidProcess(process)).toThrow(message);
  });
});

describe('a run', () => {
  const twoSteps: ProcessDefinition = {
    id: 'approval',
    name: 'Approval',
    steps: [
      { id: 'prepare', title: 'Prepare', kind: 'automatic' },
      { id: 'approve', title: 'Approve', kind: 'human-task', task: { type: 'verify-payment', role: 'finance' } },
    ],
  };

  test('starts running at its first step, every step pending', () => {
    const run = startRun(twoSteps);
    expect(run.state).toBe('running');
    expect(run.currentStep).toBe('prepare');
    expect(run.steps.map((s) => s.state)).toEqual(['pending', 'pending']);
  });

  test('moves step by step to completed, recording when and by whom', () => {
    let run = startRun(twoSteps);
    run = markStep(run, 'running', 't1');
    run = completeStep(run, system, 'prepared', 't2');
    expect([run.state, run.currentStep]).toEqual(['running', 'approve']);
    run = markStep(run, 'waiting', 't3');
    expect(run.state).toBe('waiting');
    run = completeStep(run, { type: 'user', id: '7', name: 'fin' }, 'approved', 't4');
    expect([run.state, run.currentStep]).toEqual(['completed', null]);
    expect(run.steps).toEqual([
      { id: 'prepare', title: 'Prepare', kind: 'automatic', state: 'done', startedAt: 't1', endedAt: 't2', actor: system, result: 'prepared' },
      {
        id: 'approve',
        title: 'Approve',
        kind: 'human-task',
        state: 'done',
        startedAt: 't3',
        endedAt: 't4',
        actor: { type: 'user', id: '7', name: 'fin' },
        result: 'approved',
      },
    ]);
  });

  test('stops at a failed step', () => {
    const run = failStep(startRun(twoSteps), system, 'customer has no email', 't1');
    expect([run.state, run.currentStep, run.steps[0].state, run.steps[1].state]).toEqual(['failed', 'prepare', 'failed', 'pending']);
    expect(() => completeStep(run, system, 'x', 't2')).toThrow('The run is failed');
  });

  test('cancelling skips what is not done; a closed run cannot be cancelled', () => {
    const done = completeStep(startRun(twoSteps), system, 'ok', 't1');
    const cancelled = cancelRun(done, system, 'customer changed their mind', 't2');
    expect(cancelled.state).toBe('cancelled');
    expect(cancelled.steps.map((s) => [s.state, s.result])).toEqual([
      ['done', 'ok'],
      ['skipped', 'customer changed their mind'],
    ]);
    expect(() => cancelRun(cancelled, system, 'again', 't3')).toThrow('A cancelled run cannot be cancelled');
  });

  test.each([
    ['a failed automatic step', () => failStep(startRun(twoSteps), system, 'no email', 't1'), null],
    ['a running run', () => startRun(twoSteps), 'A running run has no failed step to retry'],
    ['a completed run', () => completeStep(completeStep(startRun(twoSteps), system, 'ok', 't1'), system, 'approved', 't2'), 'A completed run has no failed step'],
    [
      'a rejected human task',
      () => failStep(completeStep(startRun(twoSteps), system, 'ok', 't1'), { type: 'user', id: '7' }, 'rejected: no payment', 't2'),
      '"Approve" was decided by a person (rejected: no payment); start a new run instead',
    ],
  ])('retrying %s', (_, make, refusal) => {
    const run = make();
    if (refusal) {
      expect(() => retryStep(run)).toThrow(refusal);
      return;
    }
    const retried = retryStep(run);
    expect([retried.state, retried.currentStep]).toEqual(['running', 'prepare']);
    expect(retried.steps[0]).toEqual({ id: 'prepare', title: 'Prepare', kind: 'automatic', state: 'pending', startedAt: null, endedAt: null, actor: null, result: null });
    expect(retried.steps[1]).toEqual(run.steps[1]);
  });
});
