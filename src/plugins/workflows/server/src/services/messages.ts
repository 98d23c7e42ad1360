import crypto from 'node:crypto';
import type { Core, Modules } from '@strapi/strapi';
import { errors } from '@strapi/utils';
import { z } from 'zod';
import { readEnvironment } from '../../../../../setup/environment';
import { E164_HINT, counted, escapeHtml, isEmail, normalizeEmail, toE164 } from '../../../../../domain';
import { OutgoingMessage, SendFailure, Sender } from './senders/sender';
import { sendGridSender } from './senders/sendgrid';
import { twilioSender } from './senders/twilio';

/**
 * The outbox: every message the application sends, email (SendGrid) or SMS (Twilio), is a row
 * written by `enqueue` in the transaction of the change it announces, and sent by `dispatch` only
 * once that is committed. Each row is claimed with a conditional update before sending, so two
 * instances never send the same row; 429, 5xx and timeouts are retried with exponential back-off,
 * any other 4xx is dead-lettered at once. Without a provider's credentials (SENDGRID_API_KEY,
 * TWILIO_ACCOUNT_SID) its messages are kept as previews instead of being sent. It belongs to the
 * engine so that every process sends through the same outbox; a message names the run it belongs
 * to by the run's document id, whichever process holds that run.
 */
export const MESSAGE_UID = 'plugin::workflows.message';
/** The outbox's table, for the claim's conditional update. */
const MESSAGE_TABLE = 'workflow_messages';
export const MESSAGE_CHANNELS = ['email', 'sms'] as const;
export type MessageChannel = (typeof MESSAGE_CHANNELS)[number];

export const MAX_ATTEMPTS = 6;
const BACKOFF_BASE_MS = 30_000;
const BACKOFF_CAP_MS = 6 * 60 * 60 * 1000;
/** Twilio's limit for one message body (it is split into segments of 153 to 160 characters). */
export const SMS_MAX_LENGTH = 1600;

/** Whether a failed send may succeed later: rate limits, server errors, no answer at all. */
export const isRetryable = (status: number | undefined): boolean => status === undefined || status === 429 || status >= 500;

export const backoffMs = (attempts: number): number => Math.min(BACKOFF_CAP_MS, BACKOFF_BASE_MS * 2 ** Math.max(0, attempts - 1));

/**
 * Pauses between tries to record that a provider accepted a message: under 14 s in all, so with
 * the send itself (SENDGRID_TIMEOUT_MS or TWILIO_TIMEOUT_MS, 10 s by default) the row's claim,
 * which lasts the first back-off (30 s), has not run out and no other dispatcher takes the row.
 */
const RECORD_SENT_PAUSES_MS = [250, 500, 1000, 2000, 4000, 6000];

const pause = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

const stripTags = (html: string) => html.replace(/<[^>]*>/g, ' ').replace(/[ \t]+/g, ' ').trim();

const textToHtml = (text: string) => `<p>${escapeHtml(text).replace(/\n/g, '<br>')}</p>`;

const key = z.string().min(1, 'key must not be empty').max(160, 'key must be at most 160 characters');
/** The document id of the run the message belongs to, if any. */
const run = z.string().min(1).max(64, 'run must be at most 64 characters').optional();
/** A high-priority message is sent before the normal ones waiting with it. */
export const MESSAGE_PRIORITIES = ['normal', 'high'] as const;
const priority = z.enum(MESSAGE_PRIORITIES).optional();
/** The PNG signature, base64: what an inline image must start with. */
const PNG_BASE64_PREFIX = 'iVBORw0KGgo';
/** At most this many bytes of base64 per image: a QR code or a logo, not a photo album. */
export const MAX_IMAGE_BASE64 = 100_000;
const images = z
  .array(
    z.strictObject({
      cid: z.string().regex(/^[a-z0-9][a-z0-9.-]{0,62}$/, 'cid must be 1 to 63 lower-case letters, digits, dots or hyphens'),
      png: z
        .string()
        .max(MAX_IMAGE_BASE64, `an image must be at most ${MAX_IMAGE_BASE64} characters of base64`)
        .regex(/^[A-Za-z0-9+/]+={0,2}$/, 'png must be base64')
        .refine((png) => png.startsWith(PNG_BASE64_PREFIX), 'png must be a PNG image'),
    }),
  )
  .max(4, 'an email carries at most 4 inline images')
  .optional();

/** What `enqueue` takes: the key makes a message once, whoever asks and however often. */
const messageInput = z.discriminatedUnion(
  'channel',
  [
    z.strictObject({
      channel: z.literal('email'),
      key,
      to: z.string().transform((to, ctx) => {
        const address = normalizeEmail(to);
        if (!isEmail(address)) ctx.addIssue({ code: 'custom', message: `"${to}" is not an email address` });
        return address;
      }),
      subject: z.string().trim().min(1, 'an email needs a subject').max(255, 'subject must be at most 255 characters'),
      text: z.string().min(1, 'an email needs a text part'),
      html: z.string().min(1).optional(),
      images,
      run,
      priority,
    }),
    z.strictObject({
      channel: z.literal('sms'),
      key,
      to: z.string().transform((to, ctx) => {
        const number = toE164(to);
        if (!number) ctx.addIssue({ code: 'custom', message: `"${to}" is not an E.164 phone number: ${E164_HINT}` });
        return number ?? to;
      }),
      text: z.string().trim().min(1, 'an SMS needs a text').max(SMS_MAX_LENGTH, `an SMS text must be at most ${SMS_MAX_LENGTH} characters`),
      run,
      priority,
    }),
  ],
  { error: `must be ${MESSAGE_CHANNELS.join(' or ')}` },
);

export type MessageInput = z.input<typeof messageInput>;

/** What Strapi's email plugin hands its provider (the fields this outbox can carry). */
export interface StrapiEmail {
  to?: unknown;
  subject?: unknown;
  text?: unknown;
  html?: unknown;
}

/** An outbox row as `dispatch` reads it. */
interface MessageRow {
  id: number;
  documentId: string;
  messageKey: string;
  /** Null on rows written before messages had a channel (emails). */
  channel: MessageChannel | null;
  to: string;
  subject: string | null;
  text: string;
  html: string | null;
  images: OutgoingMessage['images'];
  state: 'pending' | 'sent' | 'preview' | 'dead';
  attempts: number;
}

const messages = ({ strapi }: { strapi: Core.Strapi }) => {
  const service = {
    /**
     * Writes one message to the outbox, in the caller's transaction (so it is sent only if that
     * commits), once per key: a second call with a key already written returns that row and
     * writes nothing (the unique index on the key backs this under concurrency). An invalid
     * message is refused with a ValidationError before anything is written.
     */
    async enqueue(input: MessageInput) {
      const parsed = messageInput.safeParse(input);
      if (!parsed.success) {
        const problems = parsed.error.issues.map((issue) => (issue.path.length ? `${issue.path.join('.')}: ${issue.message}` : issue.message));
        const what = input?.channel === 'sms' ? 'SMS' : input?.channel === 'email' ? 'email' : 'message';
        throw new errors.ValidationError(`Cannot queue the ${what} ${String(input?.key)}: ${problems.join('; ')}`);
      }
      const message = parsed.data;
      const existing: MessageRow | null = await strapi.db.query(MESSAGE_UID).findOne({ where: { messageKey: message.key } });
      if (existing) return existing;
      return strapi.documents(MESSAGE_UID).create({
        // An SMS has no subject or html: null, which Strapi stores but its input type does not list.
        data: {
          messageKey: message.key,
          channel: message.channel,
          to: message.to,
          subject: message.channel === 'email' ? message.subject : null,
          text: message.text,
          html: message.channel === 'email' ? (message.html ?? textToHtml(message.text)) : null,
          images: message.channel === 'email' && message.images?.length ? message.images : null,
          state: 'pending',
          attempts: 0,
          run: message.run,
          priority: message.priority ?? 'normal',
        } as Modules.Documents.Params.Data.Input<typeof MESSAGE_UID>,
      });
    },

    /**
     * Queues an email Strapi itself sends (an administrator's reset link), through the email plugin's
     * provider (providers/email-outbox). It leaves from EMAIL_FROM like every other email: SendGrid
     * sends only from a verified sender, so the `from` Strapi asks for is not used.
     */
    async enqueueStrapiEmail(email: StrapiEmail) {
      if (typeof email.to !== 'string') throw new errors.ValidationError('An email needs one recipient address');
      const subject = typeof email.subject === 'string' && email.subject.trim() ? email.subject.trim().slice(0, 255) : '(no subject)';
      const html = typeof email.html === 'string' && email.html ? email.html : undefined;
      const text = typeof email.text === 'string' && email.text ? email.text : html ? stripTags(html) : '';
      return service.enqueue({ channel: 'email', key: `strapi:${crypto.randomUUID()}`, to: email.to, subject, text: text || subject, html });
    },

    /** Sends what is due; returns how many messages ended sent, preview, retried and dead. */
    async dispatch(now: Date = new Date(), limit = 25) {
      const env = readEnvironment();
      const tally = { sent: 0, preview: 0, retried: 0, dead: 0 };
      const due: MessageRow[] = await strapi.db.query(MESSAGE_UID).findMany({
        where: { state: 'pending', $or: [{ nextAttemptAt: null }, { nextAttemptAt: { $lte: now } }] },
        // Rows written before priorities existed have none: normal.
        orderBy: [{ priority: 'asc' }, { id: 'asc' }],
        limit,
      });
      const senders: Record<MessageChannel, Sender | null> = {
        email: env.SENDGRID_API_KEY ? sendGridSender(env) : null,
        sms: env.TWILIO_ACCOUNT_SID ? twilioSender(env) : null,
      };
      for (const message of due) {
        // Claim: only the instance whose update matches the attempt count it read sends the row.
        const claimed = await strapi.db
          .connection(MESSAGE_TABLE)
          .where({ id: message.id, state: 'pending', attempts: message.attempts })
          // The claim lasts one back-off from now: from the clock, not from `now`, which is as old
          // as this dispatch, and every send before this one (a slow provider) has shortened it.
          .update({ attempts: message.attempts + 1, next_attempt_at: new Date(Math.max(now.getTime(), Date.now()) + backoffMs(message.attempts + 1)) });
        if (claimed !== 1) continue;
        const attempts = message.attempts + 1;
        const finish = (data: Record<string, unknown>) => strapi.db.query(MESSAGE_UID).update({ where: { id: message.id }, data });
        // Rows written before messages had a channel are emails.
        const channel: MessageChannel = message.channel === 'sms' ? 'sms' : 'email';
        const sender = senders[channel];

        if (!sender) {
          await finish({ state: 'preview' });
          tally.preview += 1;
          continue;
        }
        let providerMessageId: string | null;
        try {
          ({ providerMessageId } = await sender.send({ key: message.messageKey, to: message.to, subject: message.subject, text: message.text, html: message.html, images: message.images }));
        } catch (error) {
          const status = error instanceof SendFailure ? error.status : undefined;
          const reason = `${status ?? 'no response'}: ${String((error as Error)?.message ?? error).slice(0, 300)}`;
          if (isRetryable(status) && attempts < MAX_ATTEMPTS) {
            await finish({ lastError: reason });
            tally.retried += 1;
          } else {
            await finish({ state: 'dead', lastError: reason });
            tally.dead += 1;
            strapi.log.warn(`${channel === 'sms' ? 'SMS' : 'Email'} ${message.messageKey} to ${message.to} dead-lettered after ${counted(attempts, 'attempt')}: ${reason}`);
          }
          continue;
        }
        // The provider has the message: if this record were lost (the database restarting, say),
        // the row would still be pending and the message sent a second time, so it is retried.
        for (let pauseAt = 0; ; pauseAt += 1) {
          try {
            await finish({ state: 'sent', sentAt: new Date(), lastError: null, providerMessageId });
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
  };
  return service;
};

export type Messages = ReturnType<typeof messages>;

export default messages;
