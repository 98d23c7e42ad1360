/**
 * What the outbox asks of a provider: send one message, or fail saying whether a later try may
 * succeed. A sender knows one provider's client and errors; the retry, back-off and dead-letter
 * rules are the outbox's, the same for every channel.
 */
export interface OutgoingMessage {
  key: string;
  to: string;
  /** Emails only. */
  subject: string | null;
  text: string;
  /** Emails only. */
  html: string | null;
  /** Emails only: PNGs the html shows as `cid:` images. */
  images?: { cid: string; png: string }[] | null;
}

export interface Sender {
  /** Resolves with the provider's id of the accepted message (null when it gives none). */
  send(message: OutgoingMessage): Promise<{ providerMessageId: string | null }>;
}

/** A refused or failed send; `status` is the provider's HTTP status, undefined when none came back. */
export class SendFailure extends Error {
  constructor(
    message: string,
    readonly status: number | undefined,
  ) {
    super(message);
    this.name = 'SendFailure';
  }
}
