import cardPayments from './card-payments';
import engine from './engine';
import jobs from './jobs';
import mrr from './mrr';
import outbox from './outbox';
import renewalWave from './renewal-wave';
import reports from './reports';
import stripe from './stripe';
import webhooks from './webhooks';

export default { engine, jobs, mrr, outbox, reports, stripe, 'card-payments': cardPayments, 'renewal-wave': renewalWave, webhooks };
