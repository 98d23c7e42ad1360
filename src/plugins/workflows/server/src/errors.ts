import { errors } from '@strapi/utils';

/**
 * A request that conflicts with the current state (409): a run already open, a task someone else
 * holds, a task already done. Every process throws this one, and every route answers it the same way.
 */
export class ConflictError extends errors.ApplicationError {
  constructor(message: string, details?: Record<string, unknown>) {
    super(message, details);
    (this as { name: string }).name = 'ConflictError';
  }
}
