import jobFireSchema from './job-fire/schema.json';
import monthlyReportSchema from './monthly-report/schema.json';
import mrrSnapshotSchema from './mrr-snapshot/schema.json';
import runSchema from './run/schema.json';
import stripeEventSchema from './stripe-event/schema.json';
import taskSchema from './task/schema.json';

export default {
  run: { schema: runSchema },
  task: { schema: taskSchema },
  'mrr-snapshot': { schema: mrrSnapshotSchema },
  'stripe-event': { schema: stripeEventSchema },
  'job-fire': { schema: jobFireSchema },
  'monthly-report': { schema: monthlyReportSchema },
};
