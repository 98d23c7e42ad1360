import type { Core } from '@strapi/strapi';
import type { RunRow } from './runner';
import { StepActor, StepDefinition, WorkflowDefinition, WorkflowDefinitionError, validateDefinition } from '../domain';

/**
 * What a process provides to run its definition, by name: an effect per step (required for the
 * steps only the process can carry out: automatic, notify, decision) and the conditions its
 * steps' `when` name. The registry checks that they are there; the runner calls them.
 */
export type Effect = (context: never) => unknown;
export interface ProcessHandlers {
  effects: Readonly<Record<string, Effect>>;
  conditions?: Readonly<Record<string, Effect>>;
  /**
   * What a task of a type may be completed with besides its outcome and note, checked by the
   * process: the problem with `data`, or null. A task type without one takes no data.
   */
  taskData?: Readonly<Record<string, (data: TaskData, outcome: string) => string | null>>;
  /**
   * What the process undoes when a person cancels one of its open runs (a reservation released, a
   * payment handed back), in the cancellation's transaction before the run is stored as cancelled;
   * what it answers is added to the cancellation's audit entry. Throwing refuses the cancellation,
   * and nothing is written.
   */
  onCancel?: (context: StepContext & { reason: string }) => Promise<string | void> | string | void;
  /**
   * What the process undoes when a rejection (a person's outcome, a decision's branch) ends one of
   * its runs, in the rejection's transaction, besides the steps of its reject branch: for a process
   * whose undo is no step of its own. What it answers is added to the rejection's audit entry;
   * throwing refuses the rejection, and nothing is written.
   */
  onReject?: (context: StepContext & { reason: string }) => Promise<string | void> | string | void;
  /**
   * Checks by the process before a task of a type is completed with an outcome, against what only
   * it knows (a payment recorded or not): throwing refuses the completion with that error (a 409, a
   * 400), and nothing is written. Whoever completes it, a person or a signal (`tasks.completeIn`).
   */
  checkOutcome?: Readonly<Record<string, (context: StepContext & { outcome: string; note: string | null }) => Promise<void> | void>>;
  /**
   * What the process sends an outside system once the steps taken are committed (a request a step
   * queued, say): called after every `advance`, outside any transaction, before the run's
   * messages go. A failure is logged and left to the process's own retries; the run stays as stored.
   */
  afterCommit?: (context: { strapi: Core.Strapi; run: RunView }) => Promise<void>;
}

/** What a person gives with a task's outcome, when its process asks for more than a note. */
export type TaskData = Record<string, string | number | boolean | null>;

/** A person's decision on a task, as the run's context keeps it (`context.decisions`, by task key). */
export interface TaskDecision {
  step: string;
  task: string | null;
  title: string;
  role: string;
  outcome: string;
  note: string | null;
  by: StepActor;
  at: string;
  data: TaskData | null;
}

/** The record a run is about: a content-type uid and a document id. */
export interface Subject {
  type: string;
  documentId: string;
}

/** A run as the steps of its process read it. */
export interface RunView {
  documentId: string;
  processId: string;
  version: number;
  subject: Subject | null;
  /** What the run's steps have gathered so far (each step's `context` merged in). */
  context: Record<string, unknown>;
  /** Who requested or started the run; null for the system. */
  startedBy: StepActor | null;
}

/** What an effect or a condition of a process run by the engine's runner is given. */
export interface StepContext {
  strapi: Core.Strapi;
  run: RunView;
  step: StepDefinition;
  /** On whose behalf the step runs: who started the run, completed the task or sent the signal. */
  actor: StepActor;
  /** The engine's clock (demo data runs at its own dates). */
  now: Date;
  today: string;
}

/** A message a notify step sends; the key, unless given, is the run's and the step's. */
/** A PNG an email shows inline: its content id (`cid:`) and its bytes, base64. */
export interface InlineImage {
  cid: string;
  png: string;
}

export interface StepMessage {
  channel: 'email' | 'sms';
  to: string;
  subject?: string;
  text: string;
  html?: string;
  /** Emails only: PNG images the html shows inline as `<img src="cid:ID">`. */
  images?: InlineImage[];
  key?: string;
  /** High: sent before the normal messages waiting with it. */
  priority?: 'normal' | 'high';
}

/**
 * What an effect did, in its step's transaction. `done` moves on: a decision names its `branch`,
 * `context` is merged into the run's, `messages` go to the outbox in the same transaction (sent
 * after commit). `wait` keeps the step current until the run is advanced again; `fail` stops the
 * run for a person to fix and retry.
 */
export type StepOutcome =
  | { outcome: 'done'; result: string; branch?: string; context?: Record<string, unknown>; messages?: StepMessage[] }
  | { outcome: 'wait'; result: string }
  | { outcome: 'fail'; result: string };

/** A step's effect for the engine's runner. */
export type StepEffect = (context: StepContext) => StepOutcome | Promise<StepOutcome>;

/** A `when` condition: true when the step runs, else the reason it is skipped. */
export type StepCondition = (context: StepContext) => true | string | Promise<true | string>;

/** A task as the engine's routes show it, whatever the process. */
export interface WorkTask {
  documentId: string;
  /** The process the task belongs to. */
  process: string;
  type: string;
  title: string;
  role: string;
  state: string;
  /** The outcomes a person may choose; a rejecting one needs a note. */
  outcomes: { id: string; label: string; rejects: boolean }[];
  dueDate: string | null;
  details: string | null;
  claimedBy: unknown;
  claimedAt: string | null;
  /** The run the task is a step of; null for a follow-up outside the steps. */
  run: string | null;
  /** What a follow-up is about, when its process said (a content-type uid and a document id). */
  subject?: Subject | null;
}

/** A run as the engine's routes show it: its progress, what it is about, and how it ended. */
export interface WorkRun {
  documentId: string;
  process?: string;
  /** The definition version the run started on; null for runs stored before versions were recorded. */
  version: number | null;
  state: string;
  outcome: string | null;
  currentStep: string | null;
  /** The record the run is about (a content-type uid and a document id). */
  subject: { type: string; documentId: string } | null;
  /** What else the process shows about the run. */
  context: Record<string, unknown>;
  steps: unknown[];
}

/** A run as the engine's admin pages read it: the engine's row, and when it was written. */
export type PanelRun = Omit<RunRow, 'id' | 'openKey' | 'runKey'> & { createdAt: string; updatedAt: string };

/** A task as the engine's admin pages read it. */
export interface PanelTask {
  documentId: string;
  processId: string;
  run: { documentId: string; state: string; currentStep: string | null; processVersion: number } | null;
  /** The step the task is for; null for a follow-up outside the steps. */
  stepId: string | null;
  taskId: string | null;
  title: string;
  type: string;
  role: string;
  state: string;
  // A row may leave these out; the pages read them as null.
  outcome?: string | null;
  claimedBy?: unknown;
  claimedAt?: string | null;
  completedBy?: unknown;
  completedAt?: string | null;
  note?: string | null;
  dueDate?: string | null;
  details?: string | null;
  createdAt: string;
  updatedAt: string;
}

export interface RegisteredWorkflow {
  definition: WorkflowDefinition;
  handlers: ProcessHandlers;
}

const NEEDS_EFFECT = new Set(['automatic', 'notify', 'decision']);

/** What the handlers lack, or provide for nothing, against the definition they run. */
export const handlerProblems = (definition: WorkflowDefinition, handlers: ProcessHandlers): string[] => {
  const problems: string[] = [];
  const ids = new Set(definition.steps.map((step) => step.id));
  for (const step of definition.steps) {
    if (NEEDS_EFFECT.has(step.kind) && typeof handlers.effects[step.id] !== 'function') {
      problems.push(`step ${step.id}: the process provides no effect for this ${step.kind} step`);
    }
    if (step.when && typeof handlers.conditions?.[step.when] !== 'function') {
      problems.push(`step ${step.id}: its condition ${step.when} is not provided`);
    }
  }
  for (const id of Object.keys(handlers.effects)) {
    if (!ids.has(id)) problems.push(`effect ${id}: there is no such step`);
  }
  return problems;
};

const deepFreeze = <T>(value: T): T => {
  if (typeof value === 'object' && value !== null && !Object.isFrozen(value)) {
    Object.freeze(value);
    for (const inner of Object.values(value)) deepFreeze(inner);
  }
  return value;
};

/**
 * The processes the engine runs. Process plugins register their definitions from their own
 * `register()`; once Strapi has started the list is closed, so every definition is known — and
 * validated — before the first run moves. Each version of a process stays registered: a run
 * finishes on the version it started on.
 */
export default (_: { strapi: Core.Strapi }) => {
  const byId = new Map<string, Map<number, RegisteredWorkflow>>();
  let closed = false;

  const versionsOf = (id: string) => {
    const versions = byId.get(id);
    if (!versions) throw new Error(`No workflow ${id} is registered (registered: ${[...byId.keys()].join(', ') || 'none'})`);
    return versions;
  };

  const latest = (id: string): RegisteredWorkflow => {
    const versions = versionsOf(id);
    return versions.get(Math.max(...versions.keys()))!;
  };

  return {
    /** Validates and keeps a definition; throws, naming the process and every problem, if it cannot run. */
    register(definition: WorkflowDefinition, handlers: ProcessHandlers): RegisteredWorkflow {
      const id = typeof definition?.id === 'string' ? definition.id : '(no id)';
      if (closed) throw new Error(`Workflow ${id} is registered too late: register it from the plugin's register(), before Strapi starts`);
      const problems = validateDefinition(definition);
      if (problems.length === 0) problems.push(...handlerProblems(definition, handlers));
      if (problems.length > 0) throw new WorkflowDefinitionError(id, definition?.version, problems);
      const versions = byId.get(id) ?? new Map<number, RegisteredWorkflow>();
      if (versions.has(definition.version)) throw new Error(`Workflow ${id} version ${definition.version} is already registered`);
      // A copy, frozen: what was validated is what runs. The handlers stay the process's own.
      const registered = { definition: deepFreeze(structuredClone(definition)), handlers };
      versions.set(definition.version, registered);
      byId.set(id, versions);
      return registered;
    },

    /** A process's latest version, or the given one (a run's). */
    get(id: string, version?: number): RegisteredWorkflow {
      if (version === undefined) return latest(id);
      const versions = versionsOf(id);
      const registered = versions.get(version);
      if (!registered) throw new Error(`Workflow ${id} has no version ${version} (registered: ${[...versions.keys()].join(', ')})`);
      return registered;
    },

    /** Every role a registered process gives tasks to, with its label (the first declaration's). */
    roles(): { id: string; label: string }[] {
      const labels = new Map<string, string>();
      for (const id of [...byId.keys()].sort()) {
        for (const { definition } of versionsOf(id).values()) {
          for (const [role, { label }] of Object.entries(definition.roles)) if (!labels.has(role)) labels.set(role, label);
        }
      }
      return [...labels].map(([role, label]) => ({ id: role, label })).sort((a, b) => a.id.localeCompare(b.id));
    },

    /** Every role a registered process gives tasks to (the users-permissions role types). */
    taskRoles(): string[] {
      return [...new Set([...byId.keys()].flatMap((id) => [...versionsOf(id).values()].flatMap(({ definition }) => Object.keys(definition.roles))))].sort();
    },

    /** Every process, latest version, by id. */
    list(): RegisteredWorkflow[] {
      return [...byId.keys()].sort().map(latest);
    },

    /** Called once Strapi has started: later registrations are refused. */
    close() {
      closed = true;
    },
  };
};
