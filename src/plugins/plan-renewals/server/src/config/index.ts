import { z } from 'zod';

/**
 * The plugin's configuration (config/plugins.ts, `plan-renewals.config`), validated when Strapi
 * starts: a bad value stops the start-up with a message naming it.
 */
export const configSchema = z.object({
  /** Business days a task of each type has before it is overdue. */
  taskDueBusinessDays: z.object({
    'verify-payment': z.number().int().min(0).max(60),
    'quality-check': z.number().int().min(0).max(60),
  }),
  /** Days after each failed renewal charge until the next attempt; after the last, PastDue. */
  paymentRetryDays: z.array(z.number().int().min(1).max(30)).max(10),
});

export type PlanRenewalsConfig = z.infer<typeof configSchema>;

export default {
  default: {
    taskDueBusinessDays: { 'verify-payment': 1, 'quality-check': 3 },
    paymentRetryDays: [1, 3, 5],
  } satisfies PlanRenewalsConfig,
  validator(config: unknown) {
    const result = configSchema.safeParse(config);
    if (!result.success) {
      const problems = result.error.issues.map((issue) => `${issue.path.join('.')}: ${issue.message}`);
      throw new Error(`Invalid plan-renewals configuration: ${problems.join('; ')}`);
    }
  },
};
