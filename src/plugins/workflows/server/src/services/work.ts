import type { Core } from '@strapi/strapi';
import { errors } from '@strapi/utils';
import { getService } from '../utils';
import registryService, { ProcessRecords, TaskData, WorkRun, WorkTask } from './registry';

/** The entry of the runs and tasks the engine keeps itself. */
const ENGINE = 'workflows';

type Registry = ReturnType<typeof registryService>;

/**
 * People's work across every process: the open tasks of their roles, claiming, giving back and
 * completing a task, reading a run. The engine's runner keeps the runs and tasks of the processes
 * it executes; a process that keeps its own provides its `records`. This finds which holds a task
 * or a run and hands the request to it, so the answers name the process and read the same
 * whatever process it is.
 */
export default ({ strapi }: { strapi: Core.Strapi }) => {
  const registry = (): Registry => strapi.plugin('workflows').service('registry') as Registry;

  /** The runs and tasks the engine's runner keeps, for every process without records of its own. */
  const engineRecords = (): ProcessRecords => {
    const tasks = getService(strapi, 'tasks');
    return {
      openTasks: (roles) => tasks.openTasks(roles),
      findTask: (documentId) => tasks.findTask(documentId),
      claim: (documentId, roles) => tasks.claim(documentId, roles),
      unclaim: (documentId, roles) => tasks.unclaim(documentId, roles),
      complete: (documentId, input, roles) => tasks.complete(documentId, input, roles),
      findRun: (documentId) => getService(strapi, 'runner').find(documentId),
    };
  };

  /** Where runs and tasks are kept: each process's own records, and the engine's (their rows name their process). */
  const processes = (): { process: string; records: ProcessRecords }[] => [
    ...registry()
      .list()
      .filter(({ handlers }) => handlers.records)
      .map(({ definition, handlers }) => ({ process: definition.id, records: handlers.records! })),
    { process: ENGINE, records: engineRecords() },
  ];

  const taskOf = (process: string) => (task: WorkTask) => ({ process, ...task });
  const runOf = (process: string) => (run: WorkRun) => ({ process, ...run });


  /** The process that holds task `documentId` (404 when none does). */
  const holderOfTask = async (documentId: string) => {
    for (const entry of processes()) if (await entry.records.findTask(documentId)) return entry;
    throw new errors.NotFoundError(`No task ${documentId}`);
  };

  return {
    /** The roles tasks go to, as the registered processes declare them. */
    taskRoles: (): string[] => registry().taskRoles(),

    /** The open tasks of `roles` in every process, the most urgent first. */
    async openTasks(roles: readonly string[]) {
      const lists = await Promise.all(processes().map(async ({ process, records }) => (await records.openTasks(roles)).map(taskOf(process))));
      return lists.flat().sort((a, b) => (a.dueDate ?? '9999').localeCompare(b.dueDate ?? '9999') || a.documentId.localeCompare(b.documentId));
    },

    async claim(documentId: string, roles: readonly string[]) {
      const { process, records } = await holderOfTask(documentId);
      return taskOf(process)(await records.claim(documentId, roles));
    },

    async unclaim(documentId: string, roles: readonly string[]) {
      const { process, records } = await holderOfTask(documentId);
      return taskOf(process)(await records.unclaim(documentId, roles));
    },

    /** Completes the task and answers the task's run as it stands afterwards (null without one). */
    async complete(documentId: string, input: { outcome: string; note?: string; data?: TaskData }, roles: readonly string[]) {
      const { process, records } = await holderOfTask(documentId);
      // A process keeping its own tasks takes an outcome and a note only.
      if (input.data !== undefined && process !== ENGINE) throw new errors.ValidationError(`A task of ${process} takes no data: send an outcome and a note`);
      const run = await records.complete(documentId, input, roles);
      return run && runOf(process)(run);
    },

    async run(documentId: string) {
      for (const { process, records } of processes()) {
        const run = await records.findRun(documentId);
        if (run) return runOf(process)(run);
      }
      throw new errors.NotFoundError(`No run ${documentId}`);
    },
  };
};
