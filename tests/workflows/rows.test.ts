import { awaitedTask, findStep, stepAuditEntry, stepTaskKey, stepTaskRow, tasksOf } from '../../src/plugins/workflows/server/src/domain';
import { REVIEW } from './fixtures';

/** What the runner and the tasks service store for a step, from the builders a bulk writer shares with them. */
const run = { documentId: 'r1', processId: REVIEW.id };
const reviews = findStep(REVIEW, 'reviews')!;
const signOff = findStep(REVIEW, 'sign-off')!;

test('the audit entry of a step, on the run', () => {
  expect(stepAuditEntry('plugin::workflows.run', { ...run, currentStep: 'collect' }, REVIEW, 'Collect the draft', 'done', 'collected')).toEqual({
    action: 'run.step-done',
    entityUid: 'plugin::workflows.run',
    entityDocumentId: 'r1',
    summary: 'Article review: step "Collect the draft" done: collected',
    data: { run: 'r1', process: 'article-review', step: 'collect', result: 'collected' },
  });
});

test("a human step's task: titled by its step unless it has a title, due when declared, keyed by run and step", () => {
  const [task] = tasksOf(signOff);
  expect(stepTaskRow(run, signOff, task, '2026-12-04')).toEqual({
    processId: 'article-review',
    stepId: 'sign-off',
    taskId: null,
    title: 'Editor sign-off',
    type: 'sign-off',
    role: 'editor',
    state: 'open',
    dueDate: null,
    taskKey: 'r1:sign-off',
  });
  // Friday plus two business days is Tuesday.
  expect(stepTaskRow(run, signOff, { ...task, title: 'Sign off', dueBusinessDays: 2 }, '2026-12-04')).toMatchObject({ title: 'Sign off', dueDate: '2026-12-08' });
  expect(awaitedTask(REVIEW, signOff, task)).toBe('Editor sign-off (Editor)');
  expect(awaitedTask(REVIEW, signOff, { ...task, role: 'nobody' })).toBe('Editor sign-off (nobody)');
});

test("a parallel step's tasks: each with its id in its key and its own title", () => {
  expect(tasksOf(reviews).map((task) => stepTaskRow(run, reviews, task, '2026-12-04'))).toEqual([
    expect.objectContaining({ stepId: 'reviews', taskId: 'content', title: 'Content review', taskKey: 'r1:reviews:content' }),
    expect.objectContaining({ stepId: 'reviews', taskId: 'legal', title: 'Legal review', taskKey: 'r1:reviews:legal' }),
  ]);
  expect(tasksOf(reviews).map((task) => awaitedTask(REVIEW, reviews, task))).toEqual(['Content review (Reviewer)', 'Legal review (Legal)']);
  expect(stepTaskKey(run, reviews, { id: 'legal' })).toBe('r1:reviews:legal');
});
