import type { Core } from '@strapi/strapi';
import { errors } from '@strapi/utils';
import { getService } from '../utils';
import type { TaskData } from './registry';

/**
 * People's work across every process: the open tasks of their roles, claiming, giving back and
 * completing a task, reading a run. The engine keeps every process's runs and tasks, so the
 * answers name the process and read the same whatever process it is.
 */
export default ({ strapi }: { strapi: Core.Strapi }) => {
  const tasks = () => getService(strapi, 'tasks');

  return {
    /** The roles tasks go to, as the registered processes declare them. */
    taskRoles: (): string[] => getService(strapi, 'registry').taskRoles(),

    /** The open tasks of `roles` in every process, the most urgent first. */
    openTasks: (roles: readonly string[]) => tasks().openTasks(roles),

    claim: (documentId: string, roles: readonly string[]) => tasks().claim(documentId, roles),

    unclaim: (documentId: string, roles: readonly string[]) => tasks().unclaim(documentId, roles),

    /** Completes the task and answers the task's run as it stands afterwards (null without one). */
    complete: (documentId: string, input: { outcome: string; note?: string; data?: TaskData }, roles: readonly string[]) => tasks().complete(documentId, input, roles),

    async run(documentId: string) {
      const run = await getService(strapi, 'runner').find(documentId);
      if (!run) throw new errors.NotFoundError(`No run ${documentId}`);
      return run;
    },
  };
};
