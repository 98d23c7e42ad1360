import { RunInput, RunProgress, StepActor, progressRun, startRun } from '../../src/plugins/workflows/server/src/domain';
import { REVIEW } from './fixtures';

const system: StepActor = { type: 'system' };
const ann: StepActor = { type: 'user', id: '1', name: 'Ann' };
const bob: StepActor = { type: 'user', id: '2', name: 'Bob' };

const at = 't';
const done = (branch?: string): RunInput => ({ type: 'done', actor: system, result: 'ok', at, branch });
const outcome = (value: string, actor: StepActor = ann, extra: { task?: string; note?: string } = {}): RunInput => ({ type: 'task-outcome', outcome: value, actor, at, ...extra });
const signal = (name: string): RunInput => ({ type: 'signal', signal: name, actor: system, at });
const skip = (reason: string): RunInput => ({ type: 'skip', reason, at });
const fail: RunInput = { type: 'fail', actor: system, result: 'the archive did not answer', at };
const retry: RunInput = { type: 'retry' };
const cancel: RunInput = { type: 'cancel', actor: ann, reason: 'withdrawn by the author', at };
const wait: RunInput = { type: 'wait', at, result: 'waiting for people' };

const play = (inputs: RunInput[], from: RunProgress = startRun(REVIEW)) => inputs.reduce((run, input) => progressRun(REVIEW, run, input), from);

/** Each step as `id=state`, in order: the run's story at a glance. */
const story = (run: RunProgress) => run.steps.map((s) => `${s.id}=${s.state}`).join(' ');

/** Up to the parallel reviews, waiting for them. */
const toReviews = [done(), done(), skip('no claims to check'), wait];
const reviewed = [...toReviews, outcome('accepted', ann, { task: 'content' }), outcome('accepted', bob, { task: 'legal' })];

describe('a run moves through its definition', () => {
  const cases: [string, RunInput[], { state: string; outcome?: string; current: string | null; story: string }][] = [
    [
      'every step of the main path; the reject branch is passed over',
      [...reviewed, outcome('accepted', bob), signal('typeset'), done(), done(), done()],
      {
        state: 'completed',
        outcome: 'accepted',
        current: null,
        story:
          'collect=done route=done fact-check=skipped reviews=done sign-off=done typeset=done publish=done tell-author=done mark-refused=skipped tell-refusal=skipped clean-up=done',
      },
    ],
    [
      'a decision without a label takes its default branch',
      [done(), done()],
      { state: 'running', current: 'fact-check', story: 'collect=done route=done fact-check=pending reviews=pending sign-off=pending typeset=pending publish=pending tell-author=pending mark-refused=pending tell-refusal=pending clean-up=pending' },
    ],
    [
      'a decision branch jumps forward, skipping what it passes',
      [done(), done('urgent')],
      { state: 'running', current: 'publish', story: 'collect=done route=done fact-check=skipped reviews=skipped sign-off=skipped typeset=skipped publish=pending tell-author=pending mark-refused=pending tell-refusal=pending clean-up=pending' },
    ],
    [
      'a decision rejects: the run goes through the reject branch, then the steps after it',
      [done(), done('spam'), done(), skip('no phone number'), done()],
      {
        state: 'completed',
        outcome: 'rejected',
        current: null,
        story: 'collect=done route=rejected fact-check=skipped reviews=skipped sign-off=skipped typeset=skipped publish=skipped tell-author=skipped mark-refused=done tell-refusal=skipped clean-up=done',
      },
    ],
    [
      'a parallel step waits until every task is decided',
      [...toReviews, outcome('accepted', bob, { task: 'legal' })],
      { state: 'waiting', current: 'reviews', story: 'collect=done route=done fact-check=skipped reviews=waiting sign-off=pending typeset=pending publish=pending tell-author=pending mark-refused=pending tell-refusal=pending clean-up=pending' },
    ],
    [
      'a parallel step is done when all its tasks continue',
      reviewed,
      { state: 'running', current: 'sign-off', story: 'collect=done route=done fact-check=skipped reviews=done sign-off=pending typeset=pending publish=pending tell-author=pending mark-refused=pending tell-refusal=pending clean-up=pending' },
    ],
    [
      'the first rejection of a parallel step short-circuits it',
      [...toReviews, outcome('refused', bob, { task: 'legal', note: 'libel' })],
      { state: 'running', outcome: 'rejected', current: 'mark-refused', story: 'collect=done route=done fact-check=skipped reviews=rejected sign-off=skipped typeset=skipped publish=skipped tell-author=skipped mark-refused=pending tell-refusal=pending clean-up=pending' },
    ],
    [
      'a rejected task enters the reject branch',
      [...reviewed, outcome('refused', bob, { note: 'off topic' }), done(), done()],
      { state: 'running', outcome: 'rejected', current: 'clean-up', story: 'collect=done route=done fact-check=skipped reviews=done sign-off=rejected typeset=skipped publish=skipped tell-author=skipped mark-refused=done tell-refusal=done clean-up=pending' },
    ],
    [
      'a failed step stops the run where it failed',
      [done(), done('urgent'), fail],
      { state: 'failed', current: 'publish', story: 'collect=done route=done fact-check=skipped reviews=skipped sign-off=skipped typeset=skipped publish=failed tell-author=pending mark-refused=pending tell-refusal=pending clean-up=pending' },
    ],
    [
      'a failed step retried runs again, and the run goes on',
      [done(), done('urgent'), fail, retry, done()],
      { state: 'running', current: 'tell-author', story: 'collect=done route=done fact-check=skipped reviews=skipped sign-off=skipped typeset=skipped publish=done tell-author=pending mark-refused=pending tell-refusal=pending clean-up=pending' },
    ],
    [
      'a step failing in the reject branch keeps the rejection through its retry',
      [done(), done('spam'), fail, retry, done(), done(), done()],
      { state: 'completed', outcome: 'rejected', current: null, story: 'collect=done route=rejected fact-check=skipped reviews=skipped sign-off=skipped typeset=skipped publish=skipped tell-author=skipped mark-refused=done tell-refusal=done clean-up=done' },
    ],
    [
      'a cancelled run skips what was not decided',
      [...toReviews, outcome('accepted', ann, { task: 'content' }), cancel],
      { state: 'cancelled', current: null, story: 'collect=done route=done fact-check=skipped reviews=skipped sign-off=skipped typeset=skipped publish=skipped tell-author=skipped mark-refused=skipped tell-refusal=skipped clean-up=skipped' },
    ],
  ];

  test.each(cases)('%s', (_name, inputs, expected) => {
    const run = play(inputs);
    expect({ state: run.state, outcome: run.outcome, current: run.currentStep, story: story(run) }).toEqual(expected);
  });
});

describe('what each step records', () => {
  test('a new run stores the shape runs have always had, plus the tasks of a parallel step', () => {
    const run = startRun(REVIEW);
    expect(run).toEqual({ state: 'running', currentStep: 'collect', steps: expect.any(Array) });
    expect(run.steps[0]).toEqual({ id: 'collect', title: 'Collect the draft', kind: 'automatic', state: 'pending', startedAt: null, endedAt: null, actor: null, result: null });
    expect(run.steps[3].tasks).toEqual([
      { id: 'content', title: 'Content review', state: 'pending', outcome: null, actor: null, endedAt: null, result: null },
      { id: 'legal', title: 'Legal review', state: 'pending', outcome: null, actor: null, endedAt: null, result: null },
    ]);
  });

  test('a decision records its branch; what a branch passes records why it was skipped', () => {
    const run = play([done(), { type: 'done', actor: system, result: 'breaking news', at: 't2', branch: 'urgent' }]);
    expect(run.steps[1]).toMatchObject({ state: 'done', branch: 'urgent', result: 'breaking news (branch urgent)', endedAt: 't2' });
    expect(run.steps[4]).toMatchObject({ state: 'skipped', result: 'Skipped: branch urgent of "Route the draft" goes to "Publish"', endedAt: 't2', actor: null });
  });

  test('a skipped step keeps its reason; a run not rejected says why its reject branch did not run', () => {
    const run = play([...reviewed, outcome('accepted', bob), signal('typeset'), done(), done()]);
    expect(run.steps[2]).toMatchObject({ state: 'skipped', result: 'no claims to check' });
    expect(run.steps[8]).toMatchObject({ state: 'skipped', result: 'Skipped: runs only after a rejection' });
  });

  test('the first rejection of a parallel step decides it; the other tasks are cancelled', () => {
    const run = play([...toReviews, outcome('refused', bob, { task: 'legal', note: 'libel' })]);
    expect(run.steps[3]).toMatchObject({ state: 'rejected', actor: bob, result: 'Legal review: refused: libel' });
    expect(run.steps[3].tasks!.map((t) => [t.id, t.state, t.outcome])).toEqual([
      ['content', 'cancelled', null],
      ['legal', 'rejected', 'refused'],
    ]);
    expect(run.steps[4].result).toBe('Skipped: the run was rejected at "Reviews"');
  });

  test('a parallel step done sums up its tasks', () => {
    const run = play(reviewed);
    expect(run.steps[3]).toMatchObject({ state: 'done', actor: bob, result: 'Content review: accepted; Legal review: accepted' });
  });

  test('a signal completes the step waiting for it', () => {
    const run = play([...reviewed, outcome('accepted', bob), signal('typeset')]);
    expect(run.steps[5]).toMatchObject({ state: 'done', result: 'Signal typeset received' });
  });

  test('cancelling records the reason on the current step and cancels the open tasks', () => {
    const run = play([...toReviews, outcome('accepted', ann, { task: 'content' }), cancel]);
    expect(run.steps[3]).toMatchObject({ state: 'skipped', result: 'withdrawn by the author', actor: ann });
    expect(run.steps[3].tasks!.map((t) => t.state)).toEqual(['done', 'cancelled']);
    expect(run.steps[2]).toMatchObject({ state: 'skipped', result: 'no claims to check' });
  });

  test('a rejection with no reject branch after it ends the run, every step left skipped', () => {
    const plain = { ...REVIEW, rejectBranch: undefined };
    const run = [done(), done('spam')].reduce((r, input) => progressRun(plain, r, input), startRun(plain));
    expect([run.state, run.outcome, run.currentStep]).toEqual(['completed', 'rejected', null]);
    expect(run.steps.slice(2).every((s) => s.state === 'skipped')).toBe(true);
  });
});

describe('inputs a run refuses', () => {
  const refusals: [string, RunInput[], RunInput, string][] = [
    ['a plain "done" for a human task', reviewed, done(), '"Editor sign-off" is done with a task outcome, not by itself'],
    ['an undeclared outcome', reviewed, outcome('maybe'), '"Editor sign-off": the outcome must be one of accepted, refused, not maybe'],
    ['a rejection without a note', reviewed, outcome('refused', bob, { note: ' ' }), '"Editor sign-off": a rejection needs a note saying why'],
    ['a parallel outcome that names no task', toReviews, outcome('accepted'), '"Reviews" runs several tasks: say which one (content, legal)'],
    ['an unknown task of a parallel step', toReviews, outcome('accepted', ann, { task: 'style' }), '"Reviews" has no task style (it has content, legal)'],
    ['a task decided twice', [...toReviews, outcome('accepted', ann, { task: 'content' })], outcome('accepted', bob, { task: 'content' }), 'Task "Content review" is already done'],
    [
      'one person deciding two tasks of one parallel step',
      [...toReviews, outcome('accepted', ann, { task: 'content' })],
      outcome('accepted', ann, { task: 'legal' }),
      'Task "Content review" of "Reviews" was completed by the same person: another person must complete "Legal review"',
    ],
    ['a task outcome for an automatic step', [], outcome('accepted'), '"Collect the draft" is automatic: it has no task to complete'],
    ['an undeclared branch', [done()], done('later'), 'Decision "Route the draft" has no branch later (it has normal, urgent, spam)'],
    ['a branch for a step that is no decision', [], done('normal'), '"Collect the draft" is not a decision: it takes no branch'],
    ['another signal than the awaited one', [...reviewed, outcome('accepted', bob)], signal('printed'), '"Wait for typesetting" waits for the signal typeset, not printed'],
    ['a signal for a step that waits for none', [], signal('typeset'), '"Collect the draft" waits for no signal'],
    ['skipping a step without a condition', [], skip('why not'), '"Collect the draft" has no condition: it is never skipped'],
    ['any step input on a completed run', [done(), done('spam'), done(), done(), done()], done(), 'The run is completed: it has no current step'],
    ['a retry of a run that has not failed', [done()], retry, 'A running run has no failed step to retry'],
    ['a retry of what a person decided', [...reviewed, { type: 'fail', actor: ann, result: 'refused by mistake', at }], retry, '"Editor sign-off" was decided by a person (refused by mistake); start a new run instead'],
    ['cancelling a closed run', [cancel], cancel, 'A cancelled run cannot be cancelled'],
  ];

  test.each(refusals)('%s', (_name, before, input, message) => {
    const run = play(before);
    expect(() => progressRun(REVIEW, run, input)).toThrow(message);
  });

  test('a run whose current step the definition does not know', () => {
    const run: RunProgress = { state: 'running', currentStep: 'gone', steps: [{ id: 'gone', title: 'Gone', kind: 'automatic', state: 'pending', startedAt: null, endedAt: null, actor: null, result: null }] };
    expect(() => progressRun(REVIEW, run, done())).toThrow('Step gone is not in article-review version 1');
  });
});
