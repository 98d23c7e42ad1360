import { z } from 'zod';
import { NOTIFY_CHANNELS, OUTCOME_EFFECTS, STEP_KINDS, StepDefinition, StepKind, WorkflowDefinition, tasksOf } from './definition';

/**
 * Everything wrong with a definition, in words its author can act on (empty when it can run).
 * The shape is checked first (zod), then what the types cannot say: unique ids, declared roles,
 * branch targets, a reject branch that can be entered.
 */
const KEBAB = /^[a-z0-9]+(-[a-z0-9]+)*$/;
const name = z
  .string({ error: 'must be a text' })
  .max(64, 'must be at most 64 characters')
  .regex(KEBAB, 'must be kebab-case: lower-case letters and digits, joined by single dashes');
const label = z.string({ error: 'must be a text' }).trim().min(1, 'must not be empty').max(200, 'must be at most 200 characters');

const outcome = z.strictObject({
  effect: z.enum(OUTCOME_EFFECTS, { error: `must be ${OUTCOME_EFFECTS.join(' or ')}` }),
  label,
});
const task = {
  type: name,
  role: name,
  outcomes: z.record(name, outcome, { error: 'must map each outcome to { effect, label }' }),
  separationOfDuties: z.boolean({ error: 'must be true or false' }).optional(),
  dueBusinessDays: z.number().int('must be a whole number of business days').min(0).max(90).optional(),
};
const base = { id: name, title: label, when: name.optional() };
const branch = z.discriminatedUnion(
  'then',
  [z.strictObject({ then: z.literal('continue') }), z.strictObject({ then: z.literal('go-to'), step: name }), z.strictObject({ then: z.literal('reject') })],
  { error: 'must be { then: "continue" }, { then: "go-to", step } or { then: "reject" }' },
);

const stepShapes: Record<StepKind, z.ZodType> = {
  automatic: z.strictObject({ ...base, kind: z.literal('automatic') }),
  'human-task': z.strictObject({ ...base, kind: z.literal('human-task'), task: z.strictObject({ ...task, title: label.optional() }, { error: 'must be { type, role, outcomes }' }) }),
  'await-signal': z.strictObject({ ...base, kind: z.literal('await-signal'), signal: name }),
  notify: z.strictObject({ ...base, kind: z.literal('notify'), channel: z.enum(NOTIFY_CHANNELS, { error: `must be ${NOTIFY_CHANNELS.join(' or ')}` }) }),
  decision: z.strictObject({ ...base, kind: z.literal('decision'), branches: z.record(name, branch, { error: 'must map each branch label to where it leads' }), defaultBranch: name }),
  parallel: z.strictObject({ ...base, kind: z.literal('parallel'), tasks: z.array(z.strictObject({ id: name, title: label, ...task }), { error: 'must be a list of tasks' }) }),
};

const positiveInteger = 'must be a positive integer';
const notAnObject = 'must be an object with an id, a version, a name, roles and steps';
const definitionShape = z.strictObject(
  {
    id: name,
    version: z.number({ error: positiveInteger }).int(positiveInteger).positive(positiveInteger),
    name: label,
    roles: z.record(name, z.strictObject({ label }), { error: 'must map each role id to { label }' }),
    steps: z.array(z.unknown(), { error: 'must be a list of steps' }).min(1, 'a definition needs at least one step'),
    rejectBranch: z.array(name, { error: 'must be a list of step ids' }).optional(),
    followUps: z
      .array(
        z.strictObject({
          type: name,
          role: name,
          title: label,
          outcomes: z.record(name, z.strictObject({ label }), { error: 'must map each outcome to { label }' }),
        }),
        { error: 'must be a list of { type, role, title, outcomes }' },
      )
      .optional(),
    openKeyWhenFailed: z.enum(['kept', 'released'], { error: 'must be kept or released' }).optional(),
  },
  // Only for a value that is no object: an unknown key keeps zod's own message, which names it.
  { error: (issue) => (issue.code === 'invalid_type' ? notAnObject : undefined) },
);

const where = (path: readonly PropertyKey[]) => path.map((part) => (typeof part === 'number' ? `[${part}]` : `.${String(part)}`)).join('').replace(/^\./, '');

const issues = (error: z.ZodError, prefix: string): string[] =>
  error.issues.map((issue) => {
    const path = where(issue.path);
    return `${prefix}${path ? `${prefix ? ' ' : ''}${path}` : ''}${prefix || path ? ': ' : ''}${issue.message}`;
  });

const isRecord = (value: unknown): value is Record<string, unknown> => typeof value === 'object' && value !== null && !Array.isArray(value);

const stepName = (step: unknown, index: number) => (isRecord(step) && typeof step.id === 'string' && step.id ? `step ${step.id}` : `step #${index + 1}`);

/** The shape of each step, by its kind. */
const shapeProblems = (steps: readonly unknown[]): string[] =>
  steps.flatMap((step, index) => {
    const where = stepName(step, index);
    if (!isRecord(step)) return [`${where}: must be an object with an id, a title and a kind`];
    if (!(STEP_KINDS as readonly unknown[]).includes(step.kind)) {
      return [`${where}: unknown kind ${String(step.kind)} (expected ${STEP_KINDS.join(', ')})`];
    }
    const parsed = stepShapes[step.kind as StepKind].safeParse(step);
    return parsed.success ? [] : issues(parsed.error, where);
  });

const duplicates = (values: readonly string[]) => [...new Set(values.filter((value, i) => values.indexOf(value) !== i))];

/** What a well-shaped definition can still get wrong. */
const meaningProblems = (definition: WorkflowDefinition): string[] => {
  const problems: string[] = [];
  const ids = definition.steps.map((step) => step.id);
  const rejectBranch = definition.rejectBranch ?? [];
  for (const id of duplicates(ids)) problems.push(`step ${id} is declared twice`);

  const taskTypes = new Map<string, { signature: string; step: string }>();
  definition.steps.forEach((step: StepDefinition, index) => {
    const where = `step ${step.id}`;
    if (step.kind === 'parallel') {
      if (step.tasks.length < 2) problems.push(`${where}: a parallel step needs at least two tasks (use a human-task for one)`);
      for (const id of duplicates(step.tasks.map((t) => t.id))) problems.push(`${where}: task ${id} is declared twice`);
    }
    for (const task of tasksOf(step)) {
      const which = task.id ? `${where} task ${task.id}` : where;
      if (!definition.roles[task.role]) {
        problems.push(`${which}: role ${task.role} is not declared in roles (${Object.keys(definition.roles).join(', ') || 'none'})`);
      }
      const outcomes = Object.values(task.outcomes);
      if (outcomes.length === 0) problems.push(`${which}: declares no outcomes`);
      else if (!outcomes.some((o) => o.effect === 'continue')) problems.push(`${which}: no outcome lets the run continue`);
      // Tasks are stored by type, and a task's outcomes are looked up by it.
      const signature = JSON.stringify([task.role, task.outcomes]);
      const seen = taskTypes.get(task.type);
      if (seen && seen.signature !== signature) {
        problems.push(`${which}: task type ${task.type} is also declared by ${seen.step} with another role or other outcomes`);
      }
      if (!seen) taskTypes.set(task.type, { signature, step: which });
    }
    if (step.kind === 'decision') {
      const labels = Object.keys(step.branches);
      if (labels.length === 0) problems.push(`${where}: a decision needs at least one branch`);
      else if (!step.branches[step.defaultBranch]) {
        problems.push(`${where}: the default branch ${step.defaultBranch} is not one of its branches (${labels.join(', ')})`);
      }
      for (const [label, to] of Object.entries(step.branches)) {
        if (to.then !== 'go-to') continue;
        const target = ids.indexOf(to.step);
        // Forward only: a run records each step once, and a loop could never end.
        if (target < 0) problems.push(`${where}: branch ${label} goes to ${to.step}, which is not a step`);
        else if (target <= index) problems.push(`${where}: branch ${label} goes to ${to.step}, which is not after it (a branch only goes forward)`);
        else if (rejectBranch.includes(to.step)) {
          problems.push(`${where}: branch ${label} goes to ${to.step}, which is in the reject branch (use { then: "reject" })`);
        }
      }
    }
  });

  const positions = rejectBranch.map((id) => ids.indexOf(id));
  rejectBranch.forEach((id, i) => {
    if (positions[i] < 0) problems.push(`rejectBranch: ${id} is not a step`);
  });
  for (const id of duplicates(rejectBranch)) problems.push(`rejectBranch: ${id} is listed twice`);
  const known = positions.filter((p) => p >= 0);
  if (known.some((p, i) => i > 0 && p !== known[i - 1] + 1)) {
    problems.push(`rejectBranch: its steps must follow each other, in the order of steps (${rejectBranch.join(', ')})`);
  }
  for (const p of known) {
    const step = definition.steps[p];
    if (step.kind === 'human-task' || step.kind === 'parallel' || step.kind === 'decision') {
      problems.push(`rejectBranch: step ${step.id} is a ${step.kind}; a reject branch runs notices and clean-up, it cannot reject or branch again`);
    }
  }
  if (known.length > 0 && known.length >= ids.length) problems.push('rejectBranch: every step is in it, so a run that is not rejected does nothing');

  const followUps = definition.followUps ?? [];
  for (const type of duplicates(followUps.map((f) => f.type))) problems.push(`follow-up ${type} is declared twice`);
  for (const followUp of followUps) {
    const which = `follow-up ${followUp.type}`;
    if (!definition.roles[followUp.role]) {
      problems.push(`${which}: role ${followUp.role} is not declared in roles (${Object.keys(definition.roles).join(', ') || 'none'})`);
    }
    if (Object.keys(followUp.outcomes).length === 0) problems.push(`${which}: declares no outcomes`);
    // A task's type finds its declaration: a step's task and a follow-up never share one.
    const step = taskTypes.get(followUp.type);
    if (step) problems.push(`${which}: its type is also a task of ${step.step}`);
  }
  return problems;
};

export const validateDefinition = (definition: unknown): string[] => {
  const top = definitionShape.safeParse(definition);
  const steps = isRecord(definition) && Array.isArray(definition.steps) ? definition.steps : [];
  const problems = [...(top.success ? [] : issues(top.error, '')), ...shapeProblems(steps)];
  // Meaning is checked on a well-shaped definition only: on a broken one it would mostly repeat the shape's problems.
  return problems.length > 0 ? problems : meaningProblems(definition as WorkflowDefinition);
};
