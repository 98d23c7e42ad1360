import { z } from 'zod';

/** The process's settings (config/plugins.ts, `transit-passes.config`), validated when Strapi loads them. */
const timezone = z.string().refine((zone) => {
  try {
    new Intl.DateTimeFormat('en-CA', { timeZone: zone });
    return true;
  } catch {
    return false;
  }
}, 'must be an IANA time zone, e.g. America/Chicago');

export const configSchema = z
  .object({
    /** The agency's time zone: daily revenue is counted per local date. */
    timezone,
    /** Days before a verification expires from which re-verification opens. */
    reverifyDays: z.number().int().min(0).max(365),
    /** How long an eligibility verification holds. */
    verificationValidDays: z.number().int().min(1).max(3650),
    /** Days before a period pass ends from which its renewal may be opened. */
    renewalLeadDays: z.number().int().min(0).max(60),
    /** When expired temporary passes are removed (cron, server time); empty: never on its own. */
    cleanupSchedule: z.string().max(64),
    /** When the renewals of auto-renewing period passes due within renewalLeadDays are opened (cron); empty: never. */
    renewalsSchedule: z.string().max(64),
    /** When Checkout sessions that could not be asked of Stripe as their card orders were made are asked again (cron); empty: never. */
    checkoutRetrySchedule: z.string().max(64),
  })
  .strict();

export default {
  default: { timezone: 'UTC', reverifyDays: 30, verificationValidDays: 365, renewalLeadDays: 7, cleanupSchedule: '15 3 * * *', renewalsSchedule: '30 4 * * *', checkoutRetrySchedule: '*/5 * * * *' },
  validator(config: unknown) {
    const result = configSchema.safeParse(config);
    if (!result.success) throw new Error(`transit-passes settings: ${result.error.issues.map((i) => `${i.path.join('.') || 'config'}: ${i.message}`).join('; ')}`);
  },
};
