import crypto from 'node:crypto';
import http from 'node:http';
import type { AddressInfo } from 'node:net';

/**
 * A local stand-in for Twilio's Messages API (POST /2010-04-01/Accounts/{AccountSid}/Messages.json):
 * records every request the real `twilio` client makes, checks its Basic auth (the account's SID
 * and auth token, or an API key and its secret), and answers 201 with Twilio's Message JSON and a
 * new SM... sid, so tests can also make it fail: `script` answers the next requests one each, in
 * order, and `outage` makes every request fail until it is cleared — each a status (500, 429, or
 * a 400 with Twilio's error code) or a hang of `hangMs` after which the connection is closed
 * unanswered. Errors are Twilio's JSON ({ code, message, more_info, status }).
 * `accepted` lists every message answered 201, i.e. every SMS Twilio would deliver.
 */
export type TwilioAnswer = number | { status: number; code?: number; message?: string } | { hangMs: number };

export interface TwilioRequest {
  method: string;
  path: string;
  authorization?: string;
  form: Record<string, string>;
}

export interface AcceptedSms {
  sid: string;
  to: string;
  from: string | null;
  messagingServiceSid: string | null;
  body: string;
}

export interface TwilioStandIn {
  base: string;
  accountSid: string;
  authToken: string;
  apiKey: string;
  apiSecret: string;
  received: TwilioRequest[];
  script: TwilioAnswer[];
  outage: TwilioAnswer | null;
  accepted: AcceptedSms[];
  close: () => Promise<void>;
}

const hex = (bytes: number) => crypto.randomBytes(bytes).toString('hex');

/** Twilio's codes for the statuses tests script (https://www.twilio.com/docs/api/errors). */
const ERROR_CODES: Record<number, { code: number; message: string }> = {
  400: { code: 21211, message: "The 'To' number is not a valid phone number." },
  401: { code: 20003, message: 'Authenticate' },
  404: { code: 20404, message: 'The requested resource was not found' },
  429: { code: 20429, message: 'Too Many Requests' },
  500: { code: 20500, message: 'Internal Server Error' },
  503: { code: 20503, message: 'Service Unavailable' },
};

/** Starts the stand-in with a new account, auth token, API key and secret (or the ones given). */
export const startTwilioStandIn = async (credentials: Partial<Pick<TwilioStandIn, 'authToken' | 'apiSecret'>> = {}): Promise<TwilioStandIn> => {
  const standIn = {
    accountSid: `AC${hex(16)}`,
    authToken: credentials.authToken ?? hex(16),
    apiKey: `SK${hex(16)}`,
    apiSecret: credentials.apiSecret ?? hex(16),
    received: [] as TwilioRequest[],
    script: [] as TwilioAnswer[],
    outage: null,
    accepted: [] as AcceptedSms[],
  } as Omit<TwilioStandIn, 'base' | 'close'> as TwilioStandIn;

  const authorized = (header: string | undefined) => {
    const [scheme, encoded] = (header ?? '').split(' ');
    if (scheme !== 'Basic' || !encoded) return false;
    const pair = Buffer.from(encoded, 'base64').toString('utf8');
    return pair === `${standIn.accountSid}:${standIn.authToken}` || pair === `${standIn.apiKey}:${standIn.apiSecret}`;
  };

  const answer = (res: http.ServerResponse, status: number, body: unknown) => {
    res.writeHead(status, { 'content-type': 'application/json' });
    res.end(JSON.stringify(body));
  };
  const fail = (res: http.ServerResponse, status: number, code?: number, message?: string) => {
    const known = ERROR_CODES[status] ?? { code: 20000 + status, message: `stand-in answered ${status}` };
    const errorCode = code ?? known.code;
    answer(res, status, { code: errorCode, message: message ?? known.message, more_info: `https://www.twilio.com/docs/errors/${errorCode}`, status });
  };

  const server = http.createServer((req, res) => {
    let raw = '';
    req.on('data', (chunk) => (raw += chunk));
    req.on('end', () => {
      const form = Object.fromEntries(new URLSearchParams(raw));
      const path = req.url ?? '';
      standIn.received.push({ method: req.method ?? '', path, authorization: req.headers.authorization, form });
      if (!authorized(req.headers.authorization)) return fail(res, 401);
      if (req.method !== 'POST' || path !== `/2010-04-01/Accounts/${standIn.accountSid}/Messages.json`) return fail(res, 404);

      const scripted = standIn.outage ?? standIn.script.shift() ?? 201;
      if (typeof scripted === 'object' && 'hangMs' in scripted) {
        setTimeout(() => res.destroy(), scripted.hangMs);
        return;
      }
      const status = typeof scripted === 'number' ? scripted : scripted.status;
      if (status !== 201) {
        return typeof scripted === 'number' ? fail(res, status) : fail(res, status, scripted.code, scripted.message);
      }
      if (!form.To || !form.Body || !(form.From || form.MessagingServiceSid)) {
        return fail(res, 400, 21604, 'A To, a Body and a From or MessagingServiceSid are required.');
      }
      const sid = `SM${hex(16)}`;
      const now = new Date().toUTCString().replace('GMT', '+0000');
      standIn.accepted.push({ sid, to: form.To, from: form.From ?? null, messagingServiceSid: form.MessagingServiceSid ?? null, body: form.Body });
      answer(res, 201, {
        account_sid: standIn.accountSid,
        api_version: '2010-04-01',
        body: form.Body,
        date_created: now,
        date_sent: null,
        date_updated: now,
        direction: 'outbound-api',
        error_code: null,
        error_message: null,
        from: form.From ?? null,
        messaging_service_sid: form.MessagingServiceSid ?? null,
        num_media: '0',
        num_segments: String(Math.max(1, Math.ceil(form.Body.length / 153))),
        price: null,
        price_unit: 'USD',
        sid,
        status: form.MessagingServiceSid ? 'accepted' : 'queued',
        subresource_uris: { media: `/2010-04-01/Accounts/${standIn.accountSid}/Messages/${sid}/Media.json` },
        to: form.To,
        uri: `/2010-04-01/Accounts/${standIn.accountSid}/Messages/${sid}.json`,
      });
    });
  });
  // Requests left hanging must not keep the test process alive.
  server.on('connection', (socket) => socket.unref());
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return Object.assign(standIn, {
    base: `http://127.0.0.1:${port}`,
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  });
};
