import http from 'node:http';
import type { AddressInfo } from 'node:net';

/**
 * A local stand-in for SendGrid's v3 mail API: records every request the real @sendgrid/mail
 * client makes and answers from a script (202 by default), so tests can make it rate-limit,
 * fail or refuse: `script` answers the next requests one each, in order, and `outage` makes every
 * request fail until it is cleared — each a status (500, 429) or a hang of `hangMs` after which
 * the connection is closed unanswered (nothing accepted).
 * `accepted` lists the messageKey of every email answered 202, i.e. every email SendGrid would
 * deliver.
 */
/** A status to answer, or a hang: the connection held `hangMs`, then closed unanswered. */
export type Answer = number | { status: number } | { hangMs: number };

export interface StandIn {
  base: string;
  received: { path: string; authorization?: string; body: any }[];
  script: Answer[];
  outage: Answer | null;
  accepted: string[];
  close: () => Promise<void>;
}

export const startSendGridStandIn = async (): Promise<StandIn> => {
  const received: StandIn['received'] = [];
  const script: Answer[] = [];
  const accepted: string[] = [];
  const standIn = { outage: null } as StandIn;
  const server = http.createServer((req, res) => {
    let raw = '';
    req.on('data', (chunk) => (raw += chunk));
    req.on('end', () => {
      const body = raw ? JSON.parse(raw) : null;
      received.push({ path: req.url ?? '', authorization: req.headers.authorization, body });
      const answer = standIn.outage ?? script.shift() ?? 202;
      if (typeof answer === 'object' && 'hangMs' in answer) {
        setTimeout(() => res.destroy(), answer.hangMs);
        return;
      }
      const status = typeof answer === 'number' ? answer : answer.status;
      if (status === 202) {
        for (const personalization of body?.personalizations ?? [null]) {
          accepted.push(personalization?.custom_args?.messageKey ?? body?.custom_args?.messageKey ?? '(no messageKey)');
        }
      }
      res.writeHead(status, { 'content-type': 'application/json' });
      res.end(status === 202 ? '' : JSON.stringify({ errors: [{ message: `stand-in answered ${status}` }] }));
    });
  });
  // Requests left hanging must not keep the test process alive.
  server.on('connection', (socket) => socket.unref());
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return Object.assign(standIn, {
    base: `http://127.0.0.1:${port}`,
    received,
    script,
    accepted,
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  });
};
