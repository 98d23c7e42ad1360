import { z } from 'zod';

/**
 * The process's settings (config/plugins.ts, `repair-approvals.config`), validated when Strapi
 * loads them: a bad value stops the start with a message naming it.
 */
export const configSchema = z
  .object({
    /** Tax on repair estimates, in basis points (825 = 8.25 %). */
    taxRateBps: z.number().int().min(0).max(10_000),
    /** Days an untouched draft request is kept before the clean-up removes it. */
    draftRetentionDays: z.number().int().min(1).max(3650),
    /** Days an authorization certificate stays valid for the work to start. */
    certificateValidDays: z.number().int().min(1).max(365),
    /** When the drafts clean-up runs (cron, server time); empty: never on its own. */
    draftsCleanupSchedule: z.string().max(64),
  })
  .strict();

export type RepairApprovalsConfig = z.infer<typeof configSchema>;

export default {
  default: { taxRateBps: 825, draftRetentionDays: 30, certificateValidDays: 30, draftsCleanupSchedule: '30 3 * * *' } satisfies RepairApprovalsConfig,
  validator(config: unknown) {
    const result = configSchema.safeParse(config);
    if (!result.success) {
      throw new Error(`repair-approvals settings: ${result.error.issues.map((issue) => `${issue.path.join('.') || 'config'}: ${issue.message}`).join('; ')}`);
    }
  },
};
