import crypto from 'node:crypto';
import type { Core } from '@strapi/strapi';
import { Client } from '@sendgrid/client';
import { MailService } from '@sendgrid/mail';
import { readEnvironment } from '../../../../../setup/environment';
import { EMAIL_UID } from './steps';
import { escapeHtml } from '../domain/receipt';
import { isEmail, normalizeEmail } from '../../../../../domain/email';
import { counted } from '../../../../../domain/wording';

/** What Strapi's email plugin hands its provider (the fields this outbox can carry). */
export interface StrapiEmail {
  to?: unknown;
  subject?: unknown;
  text?: unknown;
  html?: unknown;
}

const stripTags = (html: string) => html.replace(/<[^>]*>/g, ' ').replace(/[ \t]+/g, ' ').trim();

/**
 * Dispatches the email outbox through SendGrid. Emails are written in the transaction of the
 * change they announce and sent only once that is committed. Each row is claimed with a
 * conditional update before sending, so two instances never send the same row; 429, 5xx and
 * timeouts are retried with exponential back-off, any other 4xx is dead-lettered at once.
 * Without SENDGRID_API_KEY an email is kept as a preview instead of being sent.
 */
export const MAX_ATTEMPTS = 6;
const BACKOFF_BASE_MS = 30_000;
const BACKOFF_CAP_MS = 6 * 60 * 60 * 1000;

/** Whether a failed send may succeed later: rate limits, server errors, no answer at all. */
export const isRetryable = (status: number | undefined): boolean => status === undefined || status === 429 || status >= 500;

export const backoffMs = (attempts: number): number => Math.min(BACKOFF_CAP_MS, BACKOFF_BASE_MS * 2 ** Math.max(0, attempts - 1));

/**
 * Pauses between tries to record that SendGrid accepted an email: under 14 s in all, so with the
 * send itself (SENDGRID_TIMEOUT_MS, 10 s by default) the row's claim, which lasts the first
 * back-off (30 s), has not run out and no other dispatcher takes the row meanwhile.
 */
const RECORD_SENT_PAUSES_MS = [250, 500, 1000, 2000, 4000, 6000];

const pause = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

const mailer = (env: ReturnType<typeof readEnvironment>) => {
  const client = new Client();
  client.setApiKey(env.SENDGRID_API_KEY!);
  // After setApiKey, which resets the base URL to SendGrid's own.
  client.setDefaultRequest('baseUrl', env.SENDGRID_API_BASE);
  client.setDefaultRequest('timeout' as any, env.SENDGRID_TIMEOUT_MS);
  const mail = new MailService();
  mail.setClient(client);
  return mail;
};

export default ({ strapi }: { strapi: Core.Strapi }) => ({
  /**
   * Queues an email Strapi itself sends (an admin's password reset), through the email plugin's
   * provider (providers/email-outbox). It leaves from EMAIL_FROM like every other email: SendGrid
   * sends only from a verified sender, so the `from` Strapi asks for is not used.
   */
  async enqueueStrapiEmail(email: StrapiEmail) {
    const to = typeof email.to === 'string' ? normalizeEmail(email.to) : '';
    if (!isEmail(to)) throw new Error('An email needs one recipient address');
    const subject = typeof email.subject === 'string' && email.subject.trim() ? email.subject.trim().slice(0, 255) : '(no subject)';
    const html = typeof email.html === 'string' && email.html ? email.html : null;
    const text = typeof email.text === 'string' && email.text ? email.text : html ? stripTags(html) : '';
    await strapi.db.query(EMAIL_UID as any).create({
      data: {
        messageKey: `strapi:${crypto.randomUUID()}`,
        to,
        subject,
        text,
        html: html ?? `<p>${escapeHtml(text).replace(/\n/g, '<br>')}</p>`,
        state: 'pending',
        attempts: 0,
      },
    });
  },

  /** Sends what is due; returns how many emails ended sent, preview, retried and dead. */
  async dispatch(now: Date = new Date(), limit = 25) {
    const env = readEnvironment();
    const tally = { sent: 0, preview: 0, retried: 0, dead: 0 };
    const due = await strapi.db.query(EMAIL_UID as any).findMany({
      where: { state: 'pending', $or: [{ nextAttemptAt: null }, { nextAttemptAt: { $lte: now } }] },
      orderBy: { id: 'asc' },
      limit,
    });
    const send = env.SENDGRID_API_KEY ? mailer(env) : null;
    for (const email of due) {
      // Claim: only the instance whose update matches the attempt count it read sends the row.
      const claimed = await strapi.db
        .connection('plan_renewal_emails')
        .where({ id: email.id, state: 'pending', attempts: email.attempts })
        // The claim lasts one back-off from now: from the clock, not from `now`, which is as old
        // as this dispatch, and every send before this one (SendGrid slow) has shortened it.
        .update({ attempts: email.attempts + 1, next_attempt_at: new Date(Math.max(now.getTime(), Date.now()) + backoffMs(email.attempts + 1)) });
      if (claimed !== 1) continue;
      const attempts = email.attempts + 1;
      const finish = (data: Record<string, unknown>) =>
        strapi.db.query(EMAIL_UID as any).update({ where: { id: email.id }, data });

      if (!send) {
        await finish({ state: 'preview' });
        tally.preview += 1;
        continue;
      }
      try {
        await send.send({
          to: email.to,
          from: env.EMAIL_FROM,
          subject: email.subject,
          text: email.text,
          html: email.html,
          customArgs: { messageKey: email.messageKey },
        });
      } catch (error: any) {
        const code = error?.code ?? error?.response?.status;
        const status: number | undefined = typeof code === 'number' ? code : undefined;
        const reason = `${status ?? 'no response'}: ${String(error?.message ?? error).slice(0, 300)}`;
        if (isRetryable(status) && attempts < MAX_ATTEMPTS) {
          await finish({ lastError: reason });
          tally.retried += 1;
        } else {
          await finish({ state: 'dead', lastError: reason });
          tally.dead += 1;
          strapi.log.warn(`Email ${email.messageKey} to ${email.to} dead-lettered after ${counted(attempts, 'attempt')}: ${reason}`);
        }
        continue;
      }
      // SendGrid has the email: if this record were lost (the database restarting, say), the row
      // would still be pending and the email sent a second time, so the record is retried.
      for (let pauseAt = 0; ; pauseAt += 1) {
        try {
          await finish({ state: 'sent', sentAt: new Date(), lastError: null });
          break;
        } catch (error) {
          if (pauseAt >= RECORD_SENT_PAUSES_MS.length) throw error;
          await pause(RECORD_SENT_PAUSES_MS[pauseAt]);
        }
      }
      tally.sent += 1;
    }
    return tally;
  },
});
