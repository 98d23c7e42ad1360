import type { Core } from '@strapi/strapi';
import cron, { type ScheduledTask } from 'node-cron';
import { addCalendarMonths, addDays, counted } from '../../../../../domain';
import { runAs } from '../../../../../guards/actor';
import { readEnvironment } from '../../../../../setup/environment';
import { JOB_NAMES as CONFIGURED_JOBS } from '../config';

type JobName = (typeof CONFIGURED_JOBS)[number];
import { getService, messages } from '../../../../workflows/server/src/utils';
import { ownService } from '../utils';
import type { MrrFigure } from './mrr';

/**
 * The scheduled jobs. Each is a name, a cron schedule (plugin config, in its time zone) and a
 * body that calls a service; node-cron fires them on every instance, and a run coordinator backed
 * by the database lets exactly one instance execute each fire: the first to insert the fire's
 * unique key (`<job>:<scheduled time>`) runs it, the others see the unique violation and skip.
 * Jobs whose missing a fire would lose something (the daily MRR snapshot, the monthly report) catch up on boot,
 * under a key of their own period, so that too happens once. `JOBS_ENABLED=false` turns the
 * schedules off; `runNow` (npm run job -- <name>, or the API) runs any job at once.
 */
export const FIRE_UID = 'plugin::plan-renewals.job-fire';

export interface JobsConfig {
  timezone: string;
  renewalLeadDays: number;
  stuckRunMinutes: number;
  schedules: Record<string, string>;
}

type JobBody = (strapi: Core.Strapi, now: Date, config: JobsConfig) => Promise<string>;

const dateIn = (now: Date, timezone: string) => new Intl.DateTimeFormat('en-CA', { timeZone: timezone, year: 'numeric', month: '2-digit', day: '2-digit' }).format(now);

/** A body for every configured job name, and none other: the compiler checks both. */
export const JOBS: Record<JobName, JobBody> = {
  /** Auto-renewing plans whose paid period ends within the lead time start their renewal run: the renewal wave. */
  async 'renewals-due'(strapi, now, config) {
    const today = dateIn(now, config.timezone);
    const wave = await ownService(strapi, 'renewal-wave').run(addDays(today, config.renewalLeadDays));
    const left = wave.unsent ? `; ${counted(wave.unsent, 'charge')} left for the payment-retries job` : '';
    return `${counted(wave.started, 'renewal run')} started of ${counted(wave.due, 'plan')} due${left}`;
  },

  /**
   * A renewal paid early becomes the current period when the earlier one ends; plans whose paid
   * period has ended lapse: PastDue while a renewal is owed, Expired otherwise.
   */
  async expiry(strapi, now, config) {
    const today = dateIn(now, config.timezone);
    const payments = ownService(strapi, 'card-payments');
    const { moved } = await payments.advanceCurrentPeriods(today);
    const { expired, pastDue } = await payments.expireLapsed(today);
    return `${counted(expired, 'plan')} expired, ${pastDue} past due, ${moved} moved on to their next paid period`;
  },

  /** Payment requests whose first try failed (Stripe unreachable), then the dunning schedule's charges. */
  async 'payment-retries'(strapi, now) {
    const { requested } = await ownService(strapi, 'card-payments').requestPending(now);
    const { charged } = await ownService(strapi, 'card-payments').retryDue(now);
    return `${counted(requested, 'payment request')} sent, ${counted(charged, 'renewal charge')} retried`;
  },

  async outbox(strapi, now) {
    const tally = await messages(strapi).dispatch(now);
    return `sent ${tally.sent}, preview ${tally.preview}, retried ${tally.retried}, dead ${tally.dead}`;
  },

  /** Runs left mid-step (a crash, a lost connection) resume where they stopped, every process's. */
  async 'stuck-runs'(strapi, now, config) {
    const resumed = await getService(strapi, 'runner').resumeStuck(new Date(now.getTime() - config.stuckRunMinutes * 60_000));
    return `${counted(resumed, 'stuck run')} resumed`;
  },

  /** Open tasks past their due date, every process's: one escalation email to the role and an audit entry each. */
  async 'overdue-tasks'(strapi, now, config) {
    const escalated = await getService(strapi, 'tasks').escalateOverdue(dateIn(now, config.timezone), now);
    return `${counted(escalated, 'overdue task')} escalated`;
  },

  /**
   * The current month's live MRR, measured today; and, once, the month that just ended, closed
   * at its end (the first fire of a month does it; later fires find it closed).
   */
  async 'daily-mrr'(strapi, now, config) {
    const period = dateIn(now, config.timezone).slice(0, 7);
    const mrr = ownService(strapi, 'mrr');
    const previous = addCalendarMonths(period, -1);
    const closing = await mrr.close(previous, now);
    const figures = await mrr.refresh(period, now);
    const shown = (list: MrrFigure[]) => list.map((f) => `${f.currency} ${f.mrrMinor} (${counted(f.activePlans, 'plan')})`).join(', ') || 'no plans covered';
    return `MRR ${period}: ${shown(figures)}${closing.closed ? `; ${previous} closed: ${shown(closing.figures)}` : ''}`;
  },

  /** The previous month's report, stored once: a second run answers that it is stored and changes nothing. */
  async 'monthly-report'(strapi, now, config) {
    const month = addCalendarMonths(dateIn(now, config.timezone).slice(0, 7), -1);
    const { created, revision, report } = await ownService(strapi, 'reports').generate(month, now);
    if (!created) return `report ${month}: stored (revision ${revision}), unchanged`;
    return `report ${month}: ${report.sales.map((s: { currency: string; new: { count: number }; renewal: { count: number } }) => `${s.currency} ${s.new.count} new, ${counted(s.renewal.count, 'renewal')}`).join('; ') || 'no sales'}`;
  },
};

export const JOB_NAMES: readonly string[] = CONFIGURED_JOBS;

/** The body of job `name`, or undefined for a name that is no job. */
const bodyOf = (name: string): JobBody | undefined => (Object.hasOwn(JOBS, name) ? JOBS[name as JobName] : undefined);

/**
 * Jobs caught up on boot: each says whether a fire was missed and names the period it covers;
 * the catch-up is claimed under that period's key, so it happens once across instances.
 */
const CATCH_UP: Record<string, (strapi: Core.Strapi, now: Date, tz: string) => Promise<string | null>> = {
  async 'daily-mrr'(strapi, now, tz) {
    const last: { scheduledFor: string } | null = await strapi.db.query(FIRE_UID).findOne({ where: { job: 'daily-mrr', failed: false, finishedAt: { $notNull: true } }, orderBy: { scheduledFor: 'desc' } });
    return last && now.getTime() - new Date(last.scheduledFor).getTime() < 24 * 60 * 60 * 1000 ? null : dateIn(now, tz);
  },
  async 'monthly-report'(strapi, now, tz) {
    const month = addCalendarMonths(dateIn(now, tz).slice(0, 7), -1);
    return (await strapi.db.query('plugin::plan-renewals.monthly-report').findOne({ where: { month } })) ? null : month;
  },
};

export default ({ strapi }: { strapi: Core.Strapi }) => {
  const tasks: ScheduledTask[] = [];
  const config = () => (strapi.config.get('plugin::plan-renewals') as { jobs: JobsConfig }).jobs;

  /** Claims a fire: true for the one instance whose insert of the unique key succeeds. */
  const claim = async (fireKey: string, job: string, trigger: string, scheduledFor: Date): Promise<boolean> => {
    try {
      await strapi.db.query(FIRE_UID).create({ data: { fireKey, job, trigger, scheduledFor, startedAt: new Date() } });
      return true;
    } catch (error) {
      const taken = await strapi.db.query(FIRE_UID).findOne({ where: { fireKey } });
      if (taken) return false;
      throw error;
    }
  };

  /** Executes a claimed fire and records how it ended; a failing job never stops the others. */
  const execute = async (fireKey: string, job: string, now: Date) => {
    const finish = (data: Record<string, unknown>) =>
      strapi.db.query(FIRE_UID).update({ where: { fireKey }, data: { ...data, finishedAt: new Date() } });
    try {
      const outcome = await runAs({ type: 'system', name: `job ${job}` }, () => bodyOf(job)!(strapi, now, config()));
      await finish({ outcome: outcome.slice(0, 1000), failed: false });
      strapi.log.info(`Job ${job} ran [${fireKey}]: ${outcome}`);
      return outcome;
    } catch (error) {
      strapi.log.error(`Job ${job} failed: ${(error as Error).message}`);
      await finish({ outcome: String((error as Error).message).slice(0, 1000), failed: true });
      throw error;
    }
  };

  const service = {
    /** The database-backed run coordinator node-cron asks on every fire. */
    coordinator: {
      shouldRun: (key: string) => claim(key, key.slice(0, key.indexOf(':')), 'schedule', new Date(key.slice(key.indexOf(':') + 1))),
    },

    /** Runs a job now, outside its schedule (`npm run job -- <name>`, the API). */
    async runNow(job: string, now: Date = new Date()) {
      if (!bodyOf(job)) throw new Error(`No job ${job}; the jobs are ${JOB_NAMES.join(', ')}`);
      const fireKey = `${job}:manual:${now.toISOString()}:${Math.random().toString(36).slice(2, 8)}`;
      await claim(fireKey, job, 'manual', now);
      return { job, outcome: await execute(fireKey, job, now) };
    },

    /** Produces, once across instances, the fires of catch-up jobs missed while all were down. */
    async catchUp(now: Date = new Date()) {
      const caught: string[] = [];
      for (const [job, missed] of Object.entries(CATCH_UP)) {
        const period = await missed(strapi, now, config().timezone);
        if (!period) continue;
        const fireKey = `${job}:catch-up:${period}`;
        if (await claim(fireKey, job, 'catch-up', now)) {
          await execute(fireKey, job, now).catch(() => undefined);
          caught.push(job);
        }
      }
      return caught;
    },

    /** Schedules every job unless JOBS_ENABLED=false; called at bootstrap. */
    async start() {
      if (!readEnvironment().JOBS_ENABLED) {
        strapi.log.info('Scheduled jobs are off (JOBS_ENABLED=false)');
        return;
      }
      const { schedules, timezone } = config();
      for (const job of JOB_NAMES) {
        tasks.push(
          cron.schedule(schedules[job], (context) => execute(`${job}:${context.date.toISOString()}`, job, context.date).catch(() => undefined), {
            name: job,
            timezone,
            noOverlap: true,
            distributed: true,
            runCoordinator: service.coordinator,
          }),
        );
      }
      await service.catchUp();
    },

    async stop() {
      while (tasks.length) await tasks.pop()!.destroy();
    },
  };
  return service;
};
