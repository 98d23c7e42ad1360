import type { Core } from '@strapi/strapi';
import { readEnvironment } from '../src/setup/environment';

export default ({ env }: Core.Config.Shared.ConfigParams) => {
  const { JOB_SCHEDULES, JOB_STUCK_RUN_MINUTES, STAFF_ACCESS_TOKEN_MINUTES, STAFF_SESSION_IDLE_HOURS, STAFF_SESSION_MAX_DAYS } = readEnvironment();
  // Merged over the plugin's defaults (and validated with them), so a deployment, or a test of
  // the running app, can change when jobs fire without editing this file.
  const jobs = {
    ...(JOB_SCHEDULES ? { schedules: JOB_SCHEDULES } : {}),
    ...(JOB_STUCK_RUN_MINUTES ? { stuckRunMinutes: JOB_STUCK_RUN_MINUTES } : {}),
  };
  return {
    // Money fields (integer minor units, typed and shown in the record's currency): used by every
    // billing type, so a plugin of its own rather than a part of one process.
    money: {
      enabled: true,
      resolve: './src/plugins/money',
    },
    // The process engine first: each process plugin registers its definition with it.
    workflows: {
      enabled: true,
      resolve: './src/plugins/workflows',
    },
    'plan-renewals': {
      enabled: true,
      resolve: './src/plugins/plan-renewals',
      config: { jobs },
    },
    // Transit pass subscriptions: a process on the same engine, with its fare products, orders and passes.
    'transit-passes': {
      enabled: true,
      resolve: './src/plugins/transit-passes',
    },
    // Repair-estimate approvals: a process on the same engine, with its own requests and certificates.
    'repair-approvals': {
      enabled: true,
      resolve: './src/plugins/repair-approvals',
    },
    // Strapi's own emails (an admin's password reset) join the app's outbox: see providers/email-outbox.
    email: {
      config: { provider: 'provider-email-outbox' },
    },
    'users-permissions': {
      config: {
        jwtSecret: env('JWT_SECRET'),
        // Staff sign in for a short access token and a refresh token (POST /api/auth/refresh);
        // signing out (POST /api/auth/logout), changing the password or being blocked ends the
        // session, and its access tokens stop working at once (src/extensions/users-permissions).
        jwtManagement: 'refresh',
        sessions: {
          accessTokenLifespan: STAFF_ACCESS_TOKEN_MINUTES * 60,
          idleRefreshTokenLifespan: STAFF_SESSION_IDLE_HOURS * 60 * 60,
          maxRefreshTokenLifespan: STAFF_SESSION_MAX_DAYS * 24 * 60 * 60,
          idleSessionLifespan: STAFF_SESSION_IDLE_HOURS * 60 * 60,
          maxSessionLifespan: STAFF_SESSION_MAX_DAYS * 24 * 60 * 60,
        },
      },
    },
  };
};
