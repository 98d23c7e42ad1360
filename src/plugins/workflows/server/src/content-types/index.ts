import messageSchema from './message/schema.json';
import runSchema from './run/schema.json';
import taskSchema from './task/schema.json';

export default {
  message: { schema: messageSchema },
  run: { schema: runSchema },
  task: { schema: taskSchema },
};
