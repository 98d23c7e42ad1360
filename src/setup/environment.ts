import { z } from 'zod';
import { isE164 } from '../domain/phone';

/**
 * The environment variables the application reads itself (Strapi's own secrets are read by
 * Strapi), validated once at start-up: a bad value stops the start with a message naming it,
 * instead of surfacing later as a strange failure. Defaults are the README's.
 */
const httpUrl = z.string().regex(/^https?:\/\/[^\s/]+/, 'must be an http:// or https:// URL').pipe(z.string().url());
const flag = z.enum(['true', 'false']).transform((value) => value === 'true');
const json = z.string().transform((text, ctx) => {
  try {
    return JSON.parse(text) as unknown;
  } catch {
    ctx.addIssue({ code: 'custom', message: 'must be JSON' });
    return z.NEVER;
  }
});

const schema = z
  .object({
    DATABASE_CLIENT: z.enum(['sqlite', 'postgres']).default('sqlite'),
    DATABASE_FILENAME: z.string().min(1).default('.tmp/data.db'),
    DATABASE_URL: z
      .string()
      .regex(/^postgres(ql)?:\/\//, 'must be a postgres:// URL')
      .optional(),
    DATABASE_SCHEMA: z.string().min(1).default('public'),
    DATABASE_SSL: flag.default(false),
    DATABASE_SSL_REJECT_UNAUTHORIZED: flag.default(true),
    DATABASE_POOL_MIN: z.coerce.number().int().min(0).default(0),
    DATABASE_POOL_MAX: z.coerce.number().int().min(1).default(10),
    DATABASE_CONNECTION_TIMEOUT: z.coerce.number().int().positive().default(60000),
    SEED_DEMO_DATA: flag.default(true),
    JOBS_ENABLED: flag.default(true),
    // Job names and cron expressions are checked by the plan-renewals plugin's config validator.
    JOB_SCHEDULES: json.pipe(z.record(z.string(), z.string(), { error: 'must be a JSON object of job name to cron expression' })).optional(),
    JOB_STUCK_RUN_MINUTES: z.coerce.number().int().min(1).max(1440).optional(),
    SENDGRID_API_KEY: z.string().min(1).optional(),
    SENDGRID_API_BASE: httpUrl.default('https://api.sendgrid.com'),
    SENDGRID_TIMEOUT_MS: z.coerce.number().int().min(100).max(120000).default(10000),
    EMAIL_FROM: z.string().email().default('service@example.com'),
    TWILIO_ACCOUNT_SID: z.string().regex(/^AC[0-9a-f]{32}$/i, 'must be a Twilio Account SID: AC followed by 32 hex digits').optional(),
    TWILIO_AUTH_TOKEN: z.string().min(1).optional(),
    TWILIO_API_KEY: z.string().regex(/^SK[0-9a-f]{32}$/i, 'must be a Twilio API key SID: SK followed by 32 hex digits').optional(),
    TWILIO_API_SECRET: z.string().min(1).optional(),
    TWILIO_FROM: z
      .string()
      .refine((from) => isE164(from) || /^MG[0-9a-f]{32}$/i.test(from), 'must be an E.164 number (+15125550123) or a Messaging Service SID (MG followed by 32 hex digits)')
      .optional(),
    TWILIO_API_BASE: httpUrl.default('https://api.twilio.com'),
    TWILIO_TIMEOUT_MS: z.coerce.number().int().min(100).max(120000).default(10000),
    STRIPE_SECRET_KEY: z
      .string()
      .regex(/^(sk|rk)_(test|live)_[A-Za-z0-9_]+$/, 'must be a Stripe secret key (sk_test_..., sk_live_... or a restricted rk_ key)')
      .optional(),
    STRIPE_API_BASE: httpUrl.default('https://api.stripe.com'),
    STRIPE_TIMEOUT_MS: z.coerce.number().int().min(100).max(120000).default(20000),
    STRIPE_WEBHOOK_SECRET: z
      .string()
      .transform((value) => value.split(',').map((secret) => secret.trim()).filter(Boolean))
      .pipe(z.array(z.string().regex(/^whsec_[A-Za-z0-9+/=_-]+$/, 'each secret must look like whsec_...')).min(1))
      .optional(),
    STRIPE_WEBHOOK_TOLERANCE_S: z.coerce.number().int().min(1).max(3600).default(300),
    // Whether this instance applies the Stripe events it and the others acknowledged (false: it
    // only acknowledges them, into the inbox, and another instance applies them).
    STRIPE_EVENTS_WORKER: flag.default(true),
    PUBLIC_URL: httpUrl.default('http://localhost:1337'),
    CORS_ORIGINS: z
      .string()
      .transform((value) => value.split(',').map((origin) => origin.trim()).filter(Boolean))
      .pipe(z.array(z.string().regex(/^https?:\/\/[^\s/]+$/, 'each origin must be scheme://host[:port], without a path, e.g. https://shop.example.com')))
      .optional(),
    TRUST_PROXY: flag.default(false),
    TRUSTED_PROXY_HOPS: z.coerce.number().int().min(1).max(10).default(1),
    STAFF_ACCESS_TOKEN_MINUTES: z.coerce.number().int().min(1).max(60).default(10),
    STAFF_SESSION_IDLE_HOURS: z.coerce.number().int().min(1).max(24 * 30).default(12),
    STAFF_SESSION_MAX_DAYS: z.coerce.number().int().min(1).max(90).default(7),
    LOG_LEVEL: z.enum(['error', 'warn', 'info', 'http', 'verbose', 'debug', 'silly']).default('http'),
  })
  .refine((env) => env.DATABASE_CLIENT !== 'postgres' || env.DATABASE_URL, {
    message: 'DATABASE_CLIENT=postgres needs DATABASE_URL (postgres://user:password@host:5432/database)',
    path: ['DATABASE_URL'],
  })
  .refine((env) => env.STAFF_SESSION_IDLE_HOURS <= env.STAFF_SESSION_MAX_DAYS * 24, {
    message: 'must not exceed STAFF_SESSION_MAX_DAYS',
    path: ['STAFF_SESSION_IDLE_HOURS'],
  })
  .refine((env) => env.DATABASE_POOL_MIN <= env.DATABASE_POOL_MAX, {
    message: 'must not exceed DATABASE_POOL_MAX',
    path: ['DATABASE_POOL_MIN'],
  })
  .superRefine((env, ctx) => {
    // Twilio is all or nothing: a half-configured account would fail every SMS at send time.
    const problem = (path: string, message: string) => ctx.addIssue({ code: 'custom', path: [path], message });
    const token = Boolean(env.TWILIO_AUTH_TOKEN);
    const key = Boolean(env.TWILIO_API_KEY || env.TWILIO_API_SECRET);
    if (!env.TWILIO_ACCOUNT_SID) {
      if (token || key) problem('TWILIO_ACCOUNT_SID', 'is needed with TWILIO_AUTH_TOKEN or TWILIO_API_KEY/TWILIO_API_SECRET (AC followed by 32 hex digits)');
      return;
    }
    if (token && key) problem('TWILIO_AUTH_TOKEN', 'set TWILIO_AUTH_TOKEN or TWILIO_API_KEY with TWILIO_API_SECRET, not both');
    else if (!token && !key) problem('TWILIO_AUTH_TOKEN', 'TWILIO_ACCOUNT_SID needs TWILIO_AUTH_TOKEN, or TWILIO_API_KEY with TWILIO_API_SECRET');
    else if (key && !env.TWILIO_API_KEY) problem('TWILIO_API_KEY', 'is needed with TWILIO_API_SECRET (SK followed by 32 hex digits)');
    else if (key && !env.TWILIO_API_SECRET) problem('TWILIO_API_SECRET', 'is needed with TWILIO_API_KEY');
    if (!env.TWILIO_FROM) problem('TWILIO_FROM', 'TWILIO_ACCOUNT_SID needs a sender: an E.164 number (+15125550123) or a Messaging Service SID (MG...)');
  });

export type Environment = z.infer<typeof schema>;

/** Origins a browser may call the API from with credentials: the app's own and CORS_ORIGINS. */
export const allowedOrigins = (env: Environment): string[] => [...new Set([new URL(env.PUBLIC_URL).origin, ...(env.CORS_ORIGINS ?? []).map((origin) => new URL(origin).origin)])];

/** Parses `source` (process.env by default); throws one error listing every invalid variable. */
export const readEnvironment = (source: Record<string, string | undefined> = process.env): Environment => {
  const present = Object.fromEntries(Object.entries(source).filter(([, value]) => value !== undefined && value !== ''));
  const result = schema.safeParse(present);
  if (result.success) return result.data;
  const problems = result.error.issues.map((issue) => `${issue.path.join('.') || 'environment'}: ${issue.message}`);
  throw new Error(`Invalid configuration:\n  ${problems.join('\n  ')}`);
};
