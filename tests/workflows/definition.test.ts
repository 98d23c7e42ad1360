import { ParallelStep, StepDefinition, validateDefinition } from '../../src/plugins/workflows/server/src/domain';
import { REVIEW, decided } from './fixtures';

/** REVIEW with some fields replaced, and steps replaced by id or added at the end. */
const change = (fields: Record<string, unknown>, steps: Record<string, unknown> = {}): unknown => {
  const replaced = REVIEW.steps.map((step) => (step.id in steps ? steps[step.id] : step));
  const added = Object.entries(steps).filter(([id]) => !REVIEW.steps.some((step) => step.id === id)).map(([, step]) => step);
  return { ...REVIEW, steps: [...replaced, ...added], ...fields };
};

const task = (over: Partial<{ type: string; role: string; outcomes: unknown; separationOfDuties: unknown }> = {}) => ({ type: 'sign-off', role: 'editor', outcomes: decided, ...over });
const signOff = (over: Record<string, unknown>): StepDefinition => ({ id: 'sign-off', title: 'Editor sign-off', kind: 'human-task', task: task(), ...over }) as StepDefinition;
const route = (over: Record<string, unknown>) => ({ ...REVIEW.steps[1], ...over });
const reviews = (tasks: unknown[]) => ({ ...REVIEW.steps[3], tasks });
const contentReview = (REVIEW.steps[3] as ParallelStep).tasks[0];

test('a definition with a step of every kind is valid', () => {
  expect(validateDefinition(REVIEW)).toEqual([]);
});

test('tasks kept from the run\'s starter (separationOfDuties), in a human-task step and in a parallel step, are valid', () => {
  const legalReview = (REVIEW.steps[3] as ParallelStep).tasks[1];
  const separated = change(
    {},
    { 'sign-off': signOff({ task: task({ separationOfDuties: true }) }), reviews: reviews([{ ...contentReview, separationOfDuties: false }, { ...legalReview, separationOfDuties: true }]) },
  );
  expect(validateDefinition(separated)).toEqual([]);
});

const complaint = { type: 'complaint', role: 'editor', title: 'Answer a complaint', outcomes: { answered: { label: 'Answered' }, dismissed: { label: 'Dismissed' } } };
const followUps = (...list: unknown[]) => change({ followUps: list });

test('follow-up tasks outside the steps, each with a role and the outcomes that close it, are valid', () => {
  expect(validateDefinition(followUps(complaint, { ...complaint, type: 'correction', role: 'reviewer' }))).toEqual([]);
});

test('a failed run may keep its open key or release it', () => {
  for (const policy of ['kept', 'released']) expect(validateDefinition(change({ openKeyWhenFailed: policy }))).toEqual([]);
});

const invalid: [string, unknown, string[]][] = [
  ['follow-ups that are not a list', change({ followUps: complaint }), ['followUps: must be a list of { type, role, title, outcomes }']],
  ['a follow-up without a title', followUps({ ...complaint, title: undefined }), ['followUps[0].title: must be a text']],
  ['a follow-up outcome with an effect', followUps({ ...complaint, outcomes: { answered: { effect: 'continue', label: 'Answered' } } }), ['followUps[0].outcomes.answered: Unrecognized key: "effect"']],
  ['a follow-up for an undeclared role', followUps({ ...complaint, role: 'publisher' }), ['follow-up complaint: role publisher is not declared in roles (reviewer, legal, editor)']],
  ['a follow-up without outcomes', followUps({ ...complaint, outcomes: {} }), ['follow-up complaint: declares no outcomes']],
  ['a follow-up declared twice', followUps(complaint, complaint), ['follow-up complaint is declared twice']],
  ['a follow-up of a step task\'s type', followUps({ ...complaint, type: 'sign-off' }), ['follow-up sign-off: its type is also a task of step sign-off']],
  ['an open key policy that is neither kept nor released', change({ openKeyWhenFailed: 'dropped' }), ['openKeyWhenFailed: must be kept or released']],
  ['not an object', 'review', ['must be an object with an id, a version, a name, roles and steps']],
  ['a version that is not a positive integer', change({ version: 0 }), ['version: must be a positive integer']],
  ['a fractional version', change({ version: 1.5 }), ['version: must be a positive integer']],
  ['a version given as text', change({ version: '2' }), ['version: must be a positive integer']],
  ['an id that is not kebab-case', change({ id: 'Article Review' }), ['id: must be kebab-case: lower-case letters and digits, joined by single dashes']],
  ['no name', change({ name: ' ' }), ['name: must not be empty']],
  ['a role without a label', change({ roles: { ...REVIEW.roles, editor: {} } }), ['roles.editor.label: must be a text']],
  ['no steps', change({ steps: [] }), ['steps: a definition needs at least one step']],
  ['an unknown field', change({ owner: 'me' }), ['Unrecognized key: "owner"']],
  ['an unknown step kind', change({}, { collect: { id: 'collect', title: 'Collect', kind: 'wait-for-payment' } }), ['step collect: unknown kind wait-for-payment (expected automatic, human-task, await-signal, notify, decision, parallel)']],
  ['a step that is not an object', change({}, { extra: 'publish' }), ['step #12: must be an object with an id, a title and a kind']],
  ['a step without a title', change({}, { collect: { id: 'collect', kind: 'automatic' } }), ['step collect title: must be a text']],
  ['a human task without its task', change({}, { 'sign-off': signOff({ task: undefined }) }), ['step sign-off task: must be { type, role, outcomes }']],
  ['a task on an automatic step', change({}, { collect: { id: 'collect', title: 'Collect', kind: 'automatic', task: task() } }), ['step collect: Unrecognized key: "task"']],
  ['a notice on another channel', change({}, { 'tell-author': { ...REVIEW.steps[7], channel: 'fax' } }), ['step tell-author channel: must be email or sms']],
  ['an await-signal step without its signal', change({}, { typeset: { id: 'typeset', title: 'Typeset', kind: 'await-signal' } }), ['step typeset signal: must be a text']],
  ['an outcome mapped to neither continue nor reject', change({}, { 'sign-off': signOff({ task: task({ outcomes: { ok: { effect: 'close', label: 'OK' } } }) }) }), ['step sign-off task.outcomes.ok.effect: must be continue or reject']],
  ['a step declared twice', change({}, { extra: { id: 'collect', title: 'Again', kind: 'automatic' } }), ['step collect is declared twice']],
  ['a task for an undeclared role', change({}, { 'sign-off': signOff({ task: task({ role: 'publisher' }) }) }), ['step sign-off: role publisher is not declared in roles (reviewer, legal, editor)']],
  ['a task without outcomes', change({}, { 'sign-off': signOff({ task: task({ outcomes: {} }) }) }), ['step sign-off: declares no outcomes']],
  [
    'a task whose every outcome rejects',
    change({}, { 'sign-off': signOff({ task: task({ outcomes: { refused: decided.refused } }) }) }),
    ['step sign-off: no outcome lets the run continue'],
  ],
  [
    'one task type with two roles',
    change({}, { 'sign-off': signOff({ task: task({ type: 'content-review' }) }) }),
    ['step sign-off: task type content-review is also declared by step reviews task content with another role or other outcomes'],
  ],
  [
    'a separationOfDuties that is not true or false',
    change({}, { 'sign-off': signOff({ task: task({ separationOfDuties: 'yes' }) }) }),
    ['step sign-off task.separationOfDuties: must be true or false'],
  ],
  [
    'a separationOfDuties of a parallel task given as text',
    change({}, { reviews: reviews([{ ...contentReview, separationOfDuties: 'true' }, (REVIEW.steps[3] as ParallelStep).tasks[1]]) }),
    ['step reviews tasks[0].separationOfDuties: must be true or false'],
  ],
  ['separationOfDuties on a step rather than its task', change({}, { 'sign-off': signOff({ separationOfDuties: true }) }), ['step sign-off: Unrecognized key: "separationOfDuties"']],
  ['a parallel step with one task', change({}, { reviews: reviews([contentReview]) }), ['step reviews: a parallel step needs at least two tasks (use a human-task for one)']],
  [
    'a parallel step naming a task twice',
    change({}, { reviews: reviews([contentReview, contentReview]) }),
    ['step reviews: task content is declared twice'],
  ],
  ['a decision without branches', change({}, { route: route({ branches: {} }) }), ['step route: a decision needs at least one branch']],
  ['a decision without a default branch', change({}, { route: route({ defaultBranch: undefined }) }), ['step route defaultBranch: must be a text']],
  ['a default branch that is not a branch', change({}, { route: route({ defaultBranch: 'later' }) }), ['step route: the default branch later is not one of its branches (normal, urgent, spam)']],
  ['a branch to an unknown step', change({}, { route: route({ branches: { normal: { then: 'go-to', step: 'print' } } }) }), ['step route: branch normal goes to print, which is not a step']],
  ['a branch going back', change({}, { route: route({ branches: { normal: { then: 'go-to', step: 'collect' } } }) }), ['step route: branch normal goes to collect, which is not after it (a branch only goes forward)']],
  [
    'a branch into the reject branch',
    change({}, { route: route({ branches: { normal: { then: 'go-to', step: 'mark-refused' } } }) }),
    ['step route: branch normal goes to mark-refused, which is in the reject branch (use { then: "reject" })'],
  ],
  ['a branch that leads nowhere', change({}, { route: route({ branches: { normal: { then: 'stop' } } }) }), ['step route branches.normal.then: must be { then: "continue" }, { then: "go-to", step } or { then: "reject" }']],
  ['a reject branch naming an unknown step', change({ rejectBranch: ['mark-refused', 'apologise'] }), ['rejectBranch: apologise is not a step']],
  ['a reject branch naming a step twice', change({ rejectBranch: ['mark-refused', 'mark-refused'] }), ['rejectBranch: mark-refused is listed twice', 'rejectBranch: its steps must follow each other, in the order of steps (mark-refused, mark-refused)']],
  ['a reject branch out of order', change({ rejectBranch: ['tell-refusal', 'mark-refused'] }), ['rejectBranch: its steps must follow each other, in the order of steps (tell-refusal, mark-refused)']],
  ['a reject branch with a gap', change({ rejectBranch: ['tell-author', 'tell-refusal'] }), ['rejectBranch: its steps must follow each other, in the order of steps (tell-author, tell-refusal)']],
  [
    'a reject branch that could reject again',
    change({ rejectBranch: ['sign-off'] }),
    ['rejectBranch: step sign-off is a human-task; a reject branch runs notices and clean-up, it cannot reject or branch again'],
  ],
  [
    'a reject branch holding every step',
    { ...REVIEW, steps: [REVIEW.steps[0]], rejectBranch: ['collect'] },
    ['rejectBranch: every step is in it, so a run that is not rejected does nothing'],
  ],
];

test.each(invalid)('refuses %s', (_name, definition, problems) => {
  expect(validateDefinition(definition)).toEqual(problems);
});

test('lists every problem at once', () => {
  const definition = change({ version: -1 }, { collect: { id: 'collect', title: 'Collect', kind: 'sleep' }, typeset: { id: 'typeset', title: 'Typeset', kind: 'await-signal', signal: 'Type Set' } });
  expect(validateDefinition(definition)).toEqual([
    'version: must be a positive integer',
    'step collect: unknown kind sleep (expected automatic, human-task, await-signal, notify, decision, parallel)',
    'step typeset signal: must be kebab-case: lower-case letters and digits, joined by single dashes',
  ]);
});
