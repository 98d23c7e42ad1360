/** An input the run cannot take in its current state: a step that is not current, an undeclared outcome. */
export class WorkflowError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'WorkflowError';
  }
}

/** A definition that cannot run, with every problem found (so one start-up shows them all). */
export class WorkflowDefinitionError extends Error {
  readonly problems: readonly string[];

  constructor(processId: string, version: unknown, problems: readonly string[]) {
    super(`Workflow definition "${processId}" (version ${String(version)}) is invalid:\n${problems.map((p) => `- ${p}`).join('\n')}`);
    this.name = 'WorkflowDefinitionError';
    this.problems = problems;
  }
}
