import access from './access';
import cardPayments from './card-payments';
import engine from './engine';
import followUps from './follow-ups';
import jobs from './jobs';
import mrr from './mrr';
import panel from './panel';
import planDates from './plan-dates';
import renewalWave from './renewal-wave';
import reports from './reports';
import stripe from './stripe';
import stripeInbox from './stripe-inbox';
import webhooks from './webhooks';

export default { access, engine, 'follow-ups': followUps, jobs, mrr, panel, reports, stripe, 'card-payments': cardPayments, 'plan-dates': planDates, 'renewal-wave': renewalWave, 'stripe-inbox': stripeInbox, webhooks };
