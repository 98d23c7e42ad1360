/** The engine's conflict (409), shared by every process. */
export { ConflictError } from '../../../workflows/server/src/errors';
