import { winston, formats } from '@strapi/logger';
import { readEnvironment } from '../src/setup/environment';

/** Strapi's console logger, at LOG_LEVEL (default "http": one line per request). */
export default {
  transports: [
    new winston.transports.Console({
      level: readEnvironment().LOG_LEVEL,
      format: formats.prettyPrint({ timestamps: 'YYYY-MM-DD HH:mm:ss.SSS' }),
    }),
  ],
};
