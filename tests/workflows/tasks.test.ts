import {
  HumanTask,
  RunDuties,
  StepActor,
  claimTask,
  separatesDuties,
  mayCompleteTask,
  reassignTask,
  sameActor,
  unclaimTask,
} from '../../src/plugins/workflows/server/src/domain';
import { REVIEW } from './fixtures';

const ann: StepActor = { type: 'user', id: '1', name: 'Ann' };
const bob: StepActor = { type: 'user', id: '2', name: 'Bob' };
/** An admin with the same numeric id as Ann: another person. */
const admin1: StepActor = { type: 'admin', id: '1', name: 'Ada' };
const wave: StepActor = { type: 'system', name: 'job renewals-due' };
const job: StepActor = { type: 'system', name: 'job overdue-tasks' };

const task = (over: Partial<HumanTask> = {}): HumanTask => ({ id: 'task1', type: 'sign-off', role: 'editor', state: 'open', outcome: null, claimedBy: null, ...over });
const separated = (startedBy: StepActor | null): RunDuties => ({ separationOfDuties: true, startedBy });
const plain = (startedBy: StepActor | null): RunDuties => ({ separationOfDuties: false, startedBy });

describe('sameActor: one person is the same kind and id', () => {
  test.each([
    ['the same user', ann, { ...ann, name: 'Ann renamed' }, true],
    ['two users', ann, bob, false],
    ['a user and an admin of the same id', ann, admin1, false],
    ['two system actors (nobody in particular)', wave, wave, false],
    ['no one', null, ann, false],
    ['an empty id', { type: 'user', id: '' }, { type: 'user', id: '' }, false],
  ] as [string, StepActor | null, StepActor, boolean][])('%s -> %s', (_name, a, b, same) => {
    expect(sameActor(a, b)).toBe(same);
  });
});

describe('claim', () => {
  test.each([
    ['an unclaimed task is claimed', task(), ann, { claimedBy: ann, changed: true }],
    ['claiming one own claim again changes nothing', task({ claimedBy: ann }), ann, { claimedBy: ann, changed: false }],
    [
      "another person's claim is never overridden",
      task({ claimedBy: bob }),
      ann,
      { refused: 'conflict', reason: 'Task task1 is already claimed by Bob', details: { claimedBy: bob } },
    ],
    ['an admin of the same id is someone else', task({ claimedBy: ann }), admin1, { refused: 'conflict', reason: 'Task task1 is already claimed by Ann', details: { claimedBy: ann } }],
    [
      'a completed task',
      task({ state: 'completed', outcome: 'accepted' }),
      ann,
      { refused: 'conflict', reason: 'Task task1 is already completed', details: { state: 'completed', outcome: 'accepted' } },
    ],
    ['a cancelled task', task({ state: 'cancelled' }), ann, { refused: 'conflict', reason: 'Task task1 is already cancelled', details: { state: 'cancelled', outcome: null } }],
  ])('%s', (_name, held, actor, ruling) => {
    expect(claimTask(held, actor, plain(bob))).toEqual(ruling);
  });

  test.each([
    [
      'the run\'s starter may not hold a task kept from them',
      task(),
      ann,
      separated(ann),
      { refused: 'forbidden', reason: 'Separation of duties: you started this run, so another member of the editor role must take its sign-off task' },
    ],
    ['another member of the role may', task(), bob, separated(ann), { claimedBy: bob, changed: true }],
    ['the starter may hold a task not kept from them', task(), ann, plain(ann), { claimedBy: ann, changed: true }],
    ['a run the system started keeps it from nobody', task(), ann, separated(null), { claimedBy: ann, changed: true }],
  ] as [string, HumanTask, StepActor, RunDuties, unknown][])('%s', (_name, held, actor, duties, ruling) => {
    expect(claimTask(held, actor, duties)).toEqual(ruling);
  });
});

describe('unclaim', () => {
  test.each([
    ['the holder gives it back', task({ claimedBy: ann }), ann, { claimedBy: null, changed: true }],
    [
      'someone else cannot',
      task({ claimedBy: bob }),
      ann,
      { refused: 'conflict', reason: 'Task task1 is claimed by Bob: only they can give it back (an admin may reassign it)', details: { claimedBy: bob } },
    ],
    ['an unclaimed task has nothing to give back', task(), ann, { refused: 'conflict', reason: 'Task task1 is not claimed: there is nothing to give back' }],
    [
      'a completed task',
      task({ state: 'completed', outcome: 'accepted', claimedBy: ann }),
      ann,
      { refused: 'conflict', reason: 'Task task1 is already completed', details: { state: 'completed', outcome: 'accepted' } },
    ],
  ])('%s', (_name, held, actor, ruling) => {
    expect(unclaimTask(held, actor)).toEqual(ruling);
  });
});

describe('reassign', () => {
  const editor = (actor: StepActor) => ({ actor, roles: ['editor'] });
  test.each([
    ['an unclaimed task goes to a member of its role', task(), editor(bob), plain(ann), { claimedBy: bob, changed: true }],
    ["another person's claim is overridden by an admin", task({ claimedBy: ann }), editor(bob), plain(null), { claimedBy: bob, changed: true }],
    ['to its holder: nothing changes', task({ claimedBy: bob }), editor(bob), plain(null), { claimedBy: bob, changed: false }],
    [
      'not to someone without the role',
      task(),
      { actor: bob, roles: ['reviewer'] },
      plain(null),
      { refused: 'invalid', reason: 'Bob does not hold the editor role: a sign-off task goes to a member of that role' },
    ],
    [
      "not a separated task to the run's starter",
      task(),
      editor(ann),
      separated(ann),
      { refused: 'invalid', reason: 'Ann started this run, and its sign-off task may not be completed by its starter (separation of duties)' },
    ],
    ['a separated task to anyone else of the role', task(), editor(bob), separated(ann), { claimedBy: bob, changed: true }],
    ['a task that is not separated, even to its starter', task(), editor(ann), plain(ann), { claimedBy: ann, changed: true }],
    [
      'a completed task',
      task({ state: 'completed', outcome: 'accepted' }),
      editor(bob),
      plain(null),
      { refused: 'conflict', reason: 'Task task1 is already completed', details: { state: 'completed', outcome: 'accepted' } },
    ],
  ])('%s', (_name, held, to, duties, ruling) => {
    expect(reassignTask(held, to, duties)).toEqual(ruling);
  });
});

describe('complete', () => {
  const accept = { rejects: false };
  const refuse = (note?: string) => ({ rejects: true, note });
  test.each([
    ['an unclaimed task, directly', task(), ann, plain(null), accept, null],
    ['a task one holds', task({ claimedBy: ann }), ann, plain(null), accept, null],
    [
      "a task someone else holds",
      task({ claimedBy: bob }),
      ann,
      plain(null),
      accept,
      { refused: 'conflict', reason: 'Task task1 is claimed by Bob: only they can complete it, unless they give it back first', details: { claimedBy: bob } },
    ],
    [
      'a separated task of a run one started',
      task(),
      ann,
      separated(ann),
      accept,
      { refused: 'forbidden', reason: 'Separation of duties: you started this run, so another member of the editor role must complete its sign-off task' },
    ],
    [
      'a separated task one holds, of a run one started',
      task({ claimedBy: ann }),
      ann,
      separated(ann),
      accept,
      { refused: 'forbidden', reason: 'Separation of duties: you started this run, so another member of the editor role must complete its sign-off task' },
    ],
    ['a separated task of a run someone else started', task(), bob, separated(ann), accept, null],
    ['a separated task of a run the system started (a scheduled job)', task(), ann, separated(wave), accept, null],
    ['a separated task of a run an admin of the same id started', task(), ann, separated(admin1), accept, null],
    ['a separated task completed by the system, of a run the system started', task(), job, separated(wave), accept, null],
    ['a task that is not separated, of a run one started', task(), ann, plain(ann), accept, null],
    ['a rejection with a note', task(), ann, plain(null), refuse('the figures do not add up'), null],
    ['a rejection without a note', task(), ann, plain(null), refuse(), { refused: 'invalid', reason: 'A rejection needs a note saying why' }],
    ['a rejection with a blank note', task(), ann, plain(null), refuse('  '), { refused: 'invalid', reason: 'A rejection needs a note saying why' }],
    [
      'a completed task (its state first, whatever else is wrong)',
      task({ state: 'completed', outcome: 'accepted', claimedBy: bob }),
      ann,
      separated(ann),
      refuse(),
      { refused: 'conflict', reason: 'Task task1 is already completed', details: { state: 'completed', outcome: 'accepted' } },
    ],
  ] as [string, HumanTask, StepActor, RunDuties, { rejects: boolean; note?: string }, unknown][])('%s', (_name, held, actor, duties, outcome, ruling) => {
    expect(mayCompleteTask(held, actor, duties, outcome)).toEqual(ruling);
  });
});

describe('separatesDuties reads the definition', () => {
  const separating = {
    ...REVIEW,
    steps: REVIEW.steps.map((step) => {
      if (step.kind === 'human-task') return { ...step, task: { ...step.task, separationOfDuties: true } };
      if (step.kind === 'parallel') return { ...step, tasks: step.tasks.map((t) => (t.id === 'legal' ? { ...t, separationOfDuties: true } : t)) };
      return step;
    }),
  };
  test.each([
    ['a human task flagged separationOfDuties', separating, 'sign-off', undefined, true],
    ['the same task unflagged', REVIEW, 'sign-off', undefined, false],
    ['the flagged task of a parallel step', separating, 'reviews', 'legal', true],
    ['its unflagged sibling', separating, 'reviews', 'content', false],
    ['a step without tasks', separating, 'collect', undefined, false],
    ['no step (a follow-up task outside the steps)', separating, null, undefined, false],
    ['an unknown step', separating, 'print', undefined, false],
  ] as [string, typeof REVIEW, string | null, string | undefined, boolean][])('%s -> %s', (_name, definition, stepId, taskId, expected) => {
    expect(separatesDuties(definition, stepId, taskId)).toBe(expected);
  });
});
