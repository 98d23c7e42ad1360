import messageSchema from './message/schema.json';

export default {
  message: { schema: messageSchema },
};
