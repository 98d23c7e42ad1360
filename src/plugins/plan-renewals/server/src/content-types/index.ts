import emailSchema from './email/schema.json';
import runSchema from './run/schema.json';
import taskSchema from './task/schema.json';

export default {
  run: { schema: runSchema },
  task: { schema: taskSchema },
  email: { schema: emailSchema },
};
