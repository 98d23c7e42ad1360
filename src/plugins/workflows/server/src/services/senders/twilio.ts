import twilio from 'twilio';
import type RequestClient from 'twilio/lib/base/RequestClient';
import type { Environment } from '../../../../../../setup/environment';
import { OutgoingMessage, SendFailure, Sender } from './sender';

const TWILIO_API = 'https://api.twilio.com';

/**
 * twilio-node's own HTTP client with TWILIO_TIMEOUT_MS, sending every request to TWILIO_API_BASE
 * when that is not Twilio's: the client builds absolute https://api.twilio.com URLs and has no
 * base-URL option, so the origin is swapped here and the path kept.
 */
class TwilioHttpClient extends twilio.RequestClient {
  constructor(
    private readonly base: string | null,
    timeout: number,
  ) {
    super({ timeout, autoRetry: false });
  }

  request<TData>(opts: RequestClient.RequestOptions<TData>) {
    if (!this.base) return super.request(opts);
    const url = new URL(opts.uri);
    return super.request({ ...opts, uri: `${this.base}${url.pathname}${url.search}` });
  }
}

/**
 * SMS through Twilio's Messages API (the `twilio` package), from TWILIO_FROM: a number, or a
 * Messaging Service (MG...) that picks the number. Authenticated with the account's auth token, or
 * an API key and secret on behalf of the account.
 */
export const twilioSender = (env: Environment): Sender => {
  const base = env.TWILIO_API_BASE.replace(/\/+$/, '');
  const httpClient = new TwilioHttpClient(base === TWILIO_API ? null : base, env.TWILIO_TIMEOUT_MS);
  const accountSid = env.TWILIO_ACCOUNT_SID!;
  const client = env.TWILIO_API_KEY
    ? twilio(env.TWILIO_API_KEY, env.TWILIO_API_SECRET, { accountSid, httpClient })
    : twilio(accountSid, env.TWILIO_AUTH_TOKEN, { accountSid, httpClient });
  const from = env.TWILIO_FROM!;
  const sender = from.startsWith('MG') ? { messagingServiceSid: from } : { from };
  return {
    async send(message: OutgoingMessage) {
      try {
        const created = await client.messages.create({ to: message.to, body: message.text, ...sender });
        return { providerMessageId: created.sid ?? null };
      } catch (error: unknown) {
        // Twilio's errors carry the HTTP `status` and its own error `code` (21211: invalid To, ...);
        // a network error or a timeout has no status. Only the message is kept: never the request.
        const { status, code, message: text } = (error ?? {}) as { status?: unknown; code?: unknown; message?: unknown };
        const detail = typeof code === 'number' ? `Twilio error ${code}: ${String(text)}` : String(text ?? error);
        throw new SendFailure(detail, typeof status === 'number' ? status : undefined);
      }
    },
  };
};
