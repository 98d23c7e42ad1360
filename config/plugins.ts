import type { Core } from '@strapi/strapi';
import { readEnvironment } from '../src/setup/environment';

export default ({ env }: Core.Config.Shared.ConfigParams) => {
  const { JOB_SCHEDULES, JOB_STUCK_RUN_MINUTES } = readEnvironment();
  // Merged over the plugin's defaults (and validated with them), so a deployment, or a test of
  // the running app, can change when jobs fire without editing this file.
  const jobs = {
    ...(JOB_SCHEDULES ? { schedules: JOB_SCHEDULES } : {}),
    ...(JOB_STUCK_RUN_MINUTES ? { stuckRunMinutes: JOB_STUCK_RUN_MINUTES } : {}),
  };
  return {
    'plan-renewals': {
      enabled: true,
      resolve: './src/plugins/plan-renewals',
      config: { jobs },
    },
    // Strapi's own emails (an admin's password reset) join the app's outbox: see providers/email-outbox.
    email: {
      config: { provider: 'provider-email-outbox' },
    },
    'users-permissions': {
      config: {
        jwtSecret: env('JWT_SECRET'),
        jwt: { expiresIn: '7d' },
      },
    },
  };
};
