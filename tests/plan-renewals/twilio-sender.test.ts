import { readEnvironment } from '../../src/setup/environment';
import { SendFailure } from '../../src/plugins/workflows/server/src/services/senders/sender';
import { twilioSender } from '../../src/plugins/workflows/server/src/services/senders/twilio';
import { TwilioStandIn, startTwilioStandIn } from '../harness/twilio-stand-in';

/** The Twilio sender: the real `twilio` client, over HTTP, to the local Twilio stand-in. */
let twilio: TwilioStandIn;

beforeAll(async () => {
  twilio = await startTwilioStandIn();
});
afterAll(() => twilio.close());
beforeEach(() => {
  twilio.received.length = 0;
  twilio.accepted.length = 0;
  twilio.script.length = 0;
  twilio.outage = null;
});

const SERVICE = `MG${'0a'.repeat(16)}`;
const withToken = (extra: Record<string, string> = {}) =>
  twilioSender(
    readEnvironment({
      TWILIO_ACCOUNT_SID: twilio.accountSid,
      TWILIO_AUTH_TOKEN: twilio.authToken,
      TWILIO_FROM: '+15125550100',
      TWILIO_API_BASE: twilio.base,
      ...extra,
    }),
  );
const sms = { key: 'test:1', to: '+15125550142', subject: null, text: 'Your renewal is past due.', html: null };
const basic = (user: string, password: string) => `Basic ${Buffer.from(`${user}:${password}`).toString('base64')}`;

test('an SMS is one POST to the account’s Messages, with From, To and Body, under the account’s Basic auth', async () => {
  const { providerMessageId } = await withToken().send(sms);
  expect(providerMessageId).toMatch(/^SM[0-9a-f]{32}$/);
  expect(twilio.received).toHaveLength(1);
  const [request] = twilio.received;
  expect([request.method, request.path]).toEqual(['POST', `/2010-04-01/Accounts/${twilio.accountSid}/Messages.json`]);
  expect(request.authorization).toBe(basic(twilio.accountSid, twilio.authToken));
  expect(request.form).toEqual({ From: '+15125550100', To: '+15125550142', Body: 'Your renewal is past due.' });
  expect(twilio.accepted).toEqual([{ sid: providerMessageId, from: '+15125550100', messagingServiceSid: null, to: sms.to, body: sms.text }]);
});

test('an API key signs for the account, and a Messaging Service picks the sender', async () => {
  const sender = twilioSender(
    readEnvironment({ TWILIO_ACCOUNT_SID: twilio.accountSid, TWILIO_API_KEY: twilio.apiKey, TWILIO_API_SECRET: twilio.apiSecret, TWILIO_FROM: SERVICE, TWILIO_API_BASE: `${twilio.base}/` }),
  );
  await sender.send(sms);
  const [request] = twilio.received;
  expect(request.path).toBe(`/2010-04-01/Accounts/${twilio.accountSid}/Messages.json`);
  expect(request.authorization).toBe(basic(twilio.apiKey, twilio.apiSecret));
  expect(request.form).toEqual({ MessagingServiceSid: SERVICE, To: sms.to, Body: sms.text });
});

test.each([
  [500, 500, /^Twilio error 20500: Internal Server Error$/],
  [429, 429, /^Twilio error 20429: Too Many Requests$/],
  [{ status: 400, code: 21211 }, 400, /^Twilio error 21211: The 'To' number/],
])('a %j answer is a SendFailure with status %p', async (answer, status, message) => {
  twilio.script.push(answer);
  const failure = await withToken().send(sms).catch((error: unknown) => error);
  expect(failure).toBeInstanceOf(SendFailure);
  expect(failure).toMatchObject({ status, message: expect.stringMatching(message) });
  expect(twilio.accepted).toHaveLength(0);
});

test('wrong credentials are a 401, and the failure never shows them', async () => {
  const failure = await withToken({ TWILIO_AUTH_TOKEN: 'not-the-token' }).send(sms).catch((error: unknown) => error);
  expect(failure).toMatchObject({ status: 401, message: 'Twilio error 20003: Authenticate' });
  expect(JSON.stringify(failure) + String(failure)).not.toContain('not-the-token');
});

test('no answer within TWILIO_TIMEOUT_MS is a failure without a status (worth retrying)', async () => {
  twilio.script.push({ hangMs: 600 });
  const failure = await withToken({ TWILIO_TIMEOUT_MS: '200' }).send(sms).catch((error: unknown) => error);
  expect(failure).toBeInstanceOf(SendFailure);
  expect((failure as SendFailure).status).toBeUndefined();
});
