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

/**
 * A refusal of the task rules as the error that answers it: 409 when the task's state is in the
 * way, 403 when this person may not (a PolicyError, as Strapi answers any other ForbiddenError
 * with a bare "Forbidden" and this one must say why), 400 for input it cannot take.
 */
export const refusalError = (refusal: { refused: 'conflict' | 'forbidden' | 'invalid'; reason: string; details?: Record<string, unknown> }): Error => {
  if (refusal.refused === 'conflict') return new ConflictError(refusal.reason, refusal.details);
  if (refusal.refused === 'forbidden') return new errors.PolicyError(refusal.reason);
  return new errors.ValidationError(refusal.reason);
};
