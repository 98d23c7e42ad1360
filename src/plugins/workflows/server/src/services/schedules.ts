import type { Core } from '@strapi/strapi';
import cron, { type ScheduledTask } from 'node-cron';
import { runAs } from '../../../../../guards/actor';
import { readEnvironment } from '../../../../../setup/environment';

/**
 * The housekeeping jobs a process schedules (a clean-up, a reminder): each is idempotent, so every
 * instance may run it. `JOBS_ENABLED=false` turns them off, as it does every scheduled job; an
 * empty rule never fires. They run as the system, logged, and stop with the application.
 */
export default ({ strapi }: { strapi: Core.Strapi }) => {
  const scheduled: ScheduledTask[] = [];
  return {
    add(name: string, rule: string, task: () => Promise<string>) {
      if (!rule || !readEnvironment().JOBS_ENABLED) return;
      scheduled.push(
        cron.schedule(rule, async () => {
          try {
            strapi.log.info(`${name}: ${await runAs({ type: 'system', name }, task)}`);
          } catch (error) {
            strapi.log.error(`${name} failed: ${(error as Error).message}`);
          }
        }),
      );
    },
    async stopAll() {
      for (const task of scheduled.splice(0)) await task.stop();
    },
  };
};
