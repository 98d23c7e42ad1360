import { winston, formats } from '@strapi/logger';

/** Strapi's console logger, with the level from LOG_LEVEL (default "http": one line per request). */
const LEVELS = ['error', 'warn', 'info', 'http', 'verbose', 'debug', 'silly'];
const level = process.env.LOG_LEVEL ?? 'http';
if (!LEVELS.includes(level)) {
  throw new Error(`LOG_LEVEL must be one of ${LEVELS.join(', ')}, got "${level}"`);
}

export default {
  transports: [
    new winston.transports.Console({
      level,
      format: formats.prettyPrint({ timestamps: 'YYYY-MM-DD HH:mm:ss.SSS' }),
    }),
  ],
};
