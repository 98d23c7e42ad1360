import certificateSchema from './certificate/schema.json';
import draftSchema from './draft/schema.json';
import requestSchema from './request/schema.json';

export default {
  request: { schema: requestSchema },
  certificate: { schema: certificateSchema },
  draft: { schema: draftSchema },
};
