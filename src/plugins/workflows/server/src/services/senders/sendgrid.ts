import { Client } from '@sendgrid/client';
import { MailService } from '@sendgrid/mail';
import type { Environment } from '../../../../../../setup/environment';
import { OutgoingMessage, SendFailure, Sender } from './sender';

/**
 * The client hands its default request to axios as it is, and axios takes a `timeout`, which
 * SendGrid's request type does not list.
 */
type AxiosDefaults = Client & { setDefaultRequest(key: 'timeout', value: number): Client };

/** What a failed send throws: SendGrid's ResponseError (the HTTP status as `code`), or axios's own error. */
interface SendError {
  code?: unknown;
  message?: unknown;
  response?: { status?: unknown };
}

/** Emails through SendGrid's v3 mail API (`@sendgrid/mail`), from EMAIL_FROM. */
export const sendGridSender = (env: Environment): Sender => {
  const client = new Client();
  client.setApiKey(env.SENDGRID_API_KEY!);
  // After setApiKey, which resets the base URL to SendGrid's own.
  client.setDefaultRequest('baseUrl', env.SENDGRID_API_BASE);
  (client as AxiosDefaults).setDefaultRequest('timeout', env.SENDGRID_TIMEOUT_MS);
  const mail = new MailService();
  mail.setClient(client);
  return {
    async send(message: OutgoingMessage) {
      try {
        const [response] = await mail.send({
          to: message.to,
          from: env.EMAIL_FROM,
          subject: message.subject ?? '',
          text: message.text,
          html: message.html ?? undefined,
          customArgs: { messageKey: message.key },
          // Inline (content id) attachments: mail clients show them where the html says
          // `cid:…`, where most refuse an image given as a data URI.
          ...(message.images?.length
            ? { attachments: message.images.map((image) => ({ content: image.png, filename: `${image.cid}.png`, type: 'image/png', disposition: 'inline', content_id: image.cid })) }
            : {}),
        });
        const id = response?.headers?.['x-message-id'];
        return { providerMessageId: typeof id === 'string' ? id : null };
      } catch (error) {
        const failed = error as SendError | null | undefined;
        // SendGrid's ResponseError carries the HTTP status as `code`; a network error has none.
        const code = failed?.code ?? failed?.response?.status;
        throw new SendFailure(String(failed?.message ?? error), typeof code === 'number' ? code : undefined);
      }
    },
  };
};
