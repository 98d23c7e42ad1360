import cardPayments from './card-payments';
import engine from './engine';
import mrr from './mrr';
import outbox from './outbox';
import stripe from './stripe';
import webhooks from './webhooks';

export default { engine, mrr, outbox, stripe, 'card-payments': cardPayments, webhooks };
