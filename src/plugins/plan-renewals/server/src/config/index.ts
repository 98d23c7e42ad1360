import cron from 'node-cron';
import { z } from 'zod';

/**
 * The plugin's configuration (config/plugins.ts, `plan-renewals.config`), validated when Strapi
 * starts: a bad value stops the start-up with a message naming it.
 */
/** The jobs of services/jobs.ts, by name (kept here so the config module stays free of Strapi). */
export const JOB_NAMES = ['renewals-due', 'expiry', 'payment-retries', 'outbox', 'stuck-runs', 'overdue-tasks', 'daily-mrr', 'monthly-report'] as const;

const isTimeZone = (zone: string) => {
  try {
    new Intl.DateTimeFormat('en', { timeZone: zone });
    return true;
  } catch {
    return false;
  }
};

export const configSchema = z.object({
  /** Business days a task of each type has before it is overdue. */
  taskDueBusinessDays: z.object({
    'verify-payment': z.number().int().min(0).max(60),
    'quality-check': z.number().int().min(0).max(60),
  }),
  /** Days after each failed renewal charge until the next attempt; after the last, PastDue. */
  paymentRetryDays: z.array(z.number().int().min(1).max(30)).max(10),
  /**
   * How the app talks to Stripe: at most `requestsPerSecond` requests within any second (all
   * instances on one PostgreSQL database together; on SQLite, the one instance), with at most
   * `maxConcurrentRequests` in flight per instance; a request Stripe refuses with 429 waits (Retry-After,
   * else exponential back-off) and is sent again with the same idempotency key, up to
   * `rateLimitRetries` times. Stripe's live-mode limit is 100 requests/s per account (25 in test mode).
   */
  stripe: z.object({
    requestsPerSecond: z.number().positive().max(10_000),
    maxConcurrentRequests: z.number().int().min(1).max(256),
    rateLimitRetries: z.number().int().min(0).max(20),
  }),
  /**
   * The Stripe event inbox's workers (services/stripe-inbox.ts): an acknowledged event is claimed
   * for `leaseSeconds` (a crashed worker's claim is taken again after it), tried up to
   * `maxAttempts` times with `retryBaseSeconds` x 4^(attempt-1) between tries (at most an hour),
   * then dead-lettered to Finance; `concurrency` events at once per instance (one on SQLite); every
   * `pollSeconds` the inbox is looked at for events acknowledged by another instance or before a restart.
   */
  webhooks: z.object({
    maxAttempts: z.number().int().min(1).max(50),
    retryBaseSeconds: z.number().min(0).max(3600),
    leaseSeconds: z.number().int().min(5).max(3600),
    pollSeconds: z.number().min(0.1).max(3600),
    concurrency: z.number().int().min(1).max(32),
  }),
  /** The scheduled jobs: one cron expression each (seconds optional), evaluated in `timezone`. */
  jobs: z.object({
    timezone: z.string().refine(isTimeZone, 'must be an IANA time zone such as UTC or America/Chicago'),
    /** Days before the end of a paid period that its renewal starts. */
    renewalLeadDays: z.number().int().min(0).max(90),
    /** A run still `running` this long after its last change is resumed by the sweeper. */
    stuckRunMinutes: z.number().int().min(1).max(1440),
    // Every job needs a schedule (zod 4: a record over an enum requires each key).
    schedules: z.record(z.enum(JOB_NAMES), z.string().refine((expression) => cron.validate(expression), 'must be a valid cron expression')),
  }),
});

export type PlanRenewalsConfig = z.infer<typeof configSchema>;

export default {
  default: {
    taskDueBusinessDays: { 'verify-payment': 1, 'quality-check': 3 },
    paymentRetryDays: [1, 3, 5],
    stripe: { requestsPerSecond: 100, maxConcurrentRequests: 32, rateLimitRetries: 8 },
    webhooks: { maxAttempts: 8, retryBaseSeconds: 2, leaseSeconds: 60, pollSeconds: 5, concurrency: 4 },
    jobs: {
      timezone: 'UTC',
      renewalLeadDays: 14,
      stuckRunMinutes: 15,
      schedules: {
        'renewals-due': '0 6 * * *',
        expiry: '30 0 * * *',
        'payment-retries': '0 * * * *',
        outbox: '* * * * *',
        'stuck-runs': '*/5 * * * *',
        'overdue-tasks': '0 8 * * 1-5',
        'daily-mrr': '15 0 * * *',
        'monthly-report': '0 2 1 * *',
      },
    },
  } satisfies PlanRenewalsConfig,
  validator(config: unknown) {
    const result = configSchema.safeParse(config);
    if (!result.success) {
      const problems = result.error.issues.map((issue) => `${issue.path.join('.')}: ${issue.message}`);
      throw new Error(`Invalid plan-renewals configuration: ${problems.join('; ')}`);
    }
  },
};
