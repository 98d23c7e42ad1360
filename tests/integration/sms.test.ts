import type { Core } from '@strapi/strapi';
import { http, signInStaff, snapshot, startStrapi, stopStrapi } from '../harness/strapi';
import { createActivePlan, createCustomer } from '../harness/fixtures';
import { TwilioStandIn, startTwilioStandIn } from '../harness/twilio-stand-in';

/**
 * The SMS channel of the outbox: messages written by `enqueue` in the caller's transaction and
 * dispatched after commit by the real `twilio` client, over HTTP, to a local Twilio stand-in.
 */
let strapi: Core.Strapi;
let twilio: TwilioStandIn;
let customerSuccess: string;

const UID = 'plugin::workflows.message';
const FROM = '+15125550100';
const TWILIO_ENV = ['TWILIO_ACCOUNT_SID', 'TWILIO_AUTH_TOKEN', 'TWILIO_FROM', 'TWILIO_API_BASE'];

beforeAll(async () => {
  twilio = await startTwilioStandIn();
  strapi = await startStrapi();
  ({ customerSuccess } = await signInStaff(strapi));
});
afterAll(async () => {
  await stopStrapi(strapi);
  await twilio.close();
});
beforeEach(() => {
  twilio.received.length = 0;
  twilio.accepted.length = 0;
  twilio.script.length = 0;
});

const configureTwilio = () =>
  Object.assign(process.env, { TWILIO_ACCOUNT_SID: twilio.accountSid, TWILIO_AUTH_TOKEN: twilio.authToken, TWILIO_FROM: FROM, TWILIO_API_BASE: twilio.base });
const unconfigureTwilio = () => TWILIO_ENV.forEach((name) => delete process.env[name]);

let counter = 0;
const newKey = () => `sms-test:${(counter += 1)}`;
const outbox = () => strapi.plugin('workflows').service('messages');
const stored = (messageKey: string) => strapi.db.query(UID).findOne({ where: { messageKey } });
const later = (minutes: number) => new Date(Date.now() + minutes * 60_000);
const basic = (user: string, password: string) => `Basic ${Buffer.from(`${user}:${password}`).toString('base64')}`;

describe('with Twilio credentials', () => {
  beforeAll(configureTwilio);
  afterAll(unconfigureTwilio);

  test('an SMS enqueued in a transaction that rolls back is neither written nor sent', async () => {
    const key = newKey();
    await expect(
      strapi.db.transaction(async () => {
        await outbox().enqueue({ channel: 'sms', key, to: '+15125550142', text: 'Your renewal is past due.' });
        throw new Error('the change it announces failed');
      }),
    ).rejects.toThrow('the change it announces failed');
    expect(await stored(key)).toBeNull();
    await outbox().dispatch(later(600));
    expect(twilio.received).toHaveLength(0);
  });

  test('a committed SMS is sent once, from TWILIO_FROM, to the number in E.164, with its text; its key makes it once', async () => {
    const key = newKey();
    await strapi.db.transaction(() => outbox().enqueue({ channel: 'sms', key, to: '+1 (512) 555-0142', text: 'Your renewal is past due.' }));
    await outbox().enqueue({ channel: 'sms', key, to: '+15125550142', text: 'Asked again' });
    expect(await strapi.db.query(UID).count({ where: { messageKey: key } })).toBe(1);

    expect(await outbox().dispatch()).toMatchObject({ sent: 1 });
    expect(await outbox().dispatch(later(600))).toMatchObject({ sent: 0 });
    expect(twilio.received).toHaveLength(1);
    expect(twilio.received[0].authorization).toBe(basic(twilio.accountSid, twilio.authToken));
    expect(twilio.accepted).toEqual([{ sid: expect.stringMatching(/^SM[0-9a-f]{32}$/), from: FROM, messagingServiceSid: null, to: '+15125550142', body: 'Your renewal is past due.' }]);
    expect(await stored(key)).toMatchObject({
      channel: 'sms',
      to: '+15125550142',
      subject: null,
      html: null,
      state: 'sent',
      attempts: 1,
      providerMessageId: twilio.accepted[0].sid,
    });
  });

  test.each([500, 429])('a %p is retried after a back-off, then the SMS is sent', async (status) => {
    twilio.script.push(status);
    const key = newKey();
    await outbox().enqueue({ channel: 'sms', key, to: '+15125550143', text: 'Retry me' });
    expect(await outbox().dispatch()).toMatchObject({ retried: 1, sent: 0 });
    const waiting = await stored(key);
    expect([waiting.state, waiting.attempts]).toEqual(['pending', 1]);
    expect(waiting.lastError).toMatch(new RegExp(`^${status}: Twilio error 20${status}`));
    expect(await outbox().dispatch()).toMatchObject({ retried: 0, sent: 0 }); // not due yet
    expect(await outbox().dispatch(later(5))).toMatchObject({ sent: 1 });
    expect(twilio.received).toHaveLength(2);
    expect(twilio.accepted.map((sms) => sms.body)).toEqual(['Retry me']);
    expect(await stored(key)).toMatchObject({ state: 'sent', attempts: 2, lastError: null });
  });

  test('a number Twilio refuses (400, error 21211) is dead-lettered at once, never retried', async () => {
    twilio.script.push({ status: 400, code: 21211 });
    const key = newKey();
    await outbox().enqueue({ channel: 'sms', key, to: '+15005550001', text: 'Nobody there' });
    expect(await outbox().dispatch()).toMatchObject({ dead: 1 });
    expect(await outbox().dispatch(later(600))).toMatchObject({ sent: 0, dead: 0 });
    expect(twilio.received).toHaveLength(1);
    const dead = await stored(key);
    expect([dead.state, dead.attempts]).toEqual(['dead', 1]);
    expect(dead.lastError).toMatch(/^400: Twilio error 21211/);
  });

  test('each channel goes to its own provider: without a SendGrid key the email stays a preview while the SMS is sent', async () => {
    const [email, sms] = [newKey(), newKey()];
    await strapi.db.transaction(async () => {
      await outbox().enqueue({ channel: 'email', key: email, to: 'Maria@Example.com', subject: 'Past due', text: 'Your renewal is past due.' });
      await outbox().enqueue({ channel: 'sms', key: sms, to: '+15125550144', text: 'Your renewal is past due.' });
    });
    expect(await outbox().dispatch()).toMatchObject({ sent: 1, preview: 1 });
    expect(await stored(email)).toMatchObject({ channel: 'email', to: 'maria@example.com', state: 'preview', html: '<p>Your renewal is past due.</p>' });
    expect(await stored(sms)).toMatchObject({ channel: 'sms', state: 'sent' });
    expect(twilio.accepted.map((m) => m.to)).toEqual(['+15125550144']);
  });
});

test('without Twilio credentials an SMS is kept as a preview and nothing is sent', async () => {
  unconfigureTwilio();
  const key = newKey();
  await outbox().enqueue({ channel: 'sms', key, to: '+15125550145', text: 'Kept for preview' });
  expect(await outbox().dispatch()).toMatchObject({ preview: 1, sent: 0 });
  expect(await stored(key)).toMatchObject({ state: 'preview', attempts: 1 });
  expect(twilio.received).toHaveLength(0);
});

test('a bad number is refused with a clear error, and nothing of the transaction is written', async () => {
  const before = await snapshot(strapi);
  const key = newKey();
  const failure = await strapi.db
    .transaction(async () => {
      await createCustomer(strapi, { phone: null });
      await outbox().enqueue({ channel: 'sms', key, to: '512-555-0142', text: 'Never written' });
    })
    .catch((error: Error) => error);
  expect(failure).toMatchObject({
    name: 'ValidationError',
    message: `Cannot queue the SMS ${key}: to: "512-555-0142" is not an E.164 phone number: a + then the country code and number, 7 to 15 digits in all, e.g. +15125550123`,
  });
  expect(await snapshot(strapi)).toEqual(before);
  expect(await stored(key)).toBeNull();
});

test.each([
  ['an SMS with a subject', { channel: 'sms', key: 'k', to: '+15125550142', text: 'x', subject: 'Hi' }, /Unrecognized key: "subject"/],
  ['an SMS over 1600 characters', { channel: 'sms', key: 'k', to: '+15125550142', text: 'x'.repeat(1601) }, /text: an SMS text must be at most 1600 characters/],
  ['an SMS without text', { channel: 'sms', key: 'k', to: '+15125550142', text: '  ' }, /text: an SMS needs a text/],
  ['an email to no address', { channel: 'email', key: 'k', to: 'nobody', subject: 'Hi', text: 'x' }, /to: "nobody" is not an email address/],
  ['an email without a subject', { channel: 'email', key: 'k', to: 'a@b.test', text: 'x' }, /Cannot queue the email k: subject/],
  ['another channel', { channel: 'fax', key: 'k', to: '+15125550142', text: 'x' }, /Cannot queue the message k: channel: must be email or sms/],
  ['an empty key', { channel: 'sms', key: '', to: '+15125550142', text: 'x' }, /key: key must not be empty/],
])('enqueue refuses %s, writing nothing', async (_, input, message) => {
  await expect(outbox().enqueue(input)).rejects.toMatchObject({ name: 'ValidationError', message: expect.stringMatching(message) });
  expect(await stored('k')).toBeNull();
});

describe("a renewal's past-due notice", () => {
  beforeAll(configureTwilio);
  afterAll(unconfigureTwilio);

  /** An Active plan with its renewal started and unpaid, its paid period over: PastDue by the expiry job. */
  const pastDue = async (phone: string | null) => {
    const customer = await createCustomer(strapi, { phone });
    const { servicePlan } = await createActivePlan(strapi, 5, { customer });
    const renewal = await http(strapi).post(`/api/plan-renewals/service-plans/${servicePlan.documentId}/renewals`).set({ Authorization: `Bearer ${customerSuccess}` });
    expect(renewal.status).toBe(201);
    const ended: any = await strapi.documents('api::service-plan.service-plan').findOne({ documentId: servicePlan.documentId });
    expect((await strapi.plugin('plan-renewals').service('card-payments').expireLapsed(ended.endDate)).pastDue).toBeGreaterThanOrEqual(1);
    const notices = await strapi.db.query(UID).findMany({ where: { messageKey: { $startsWith: `${servicePlan.documentId}:past-due:` } }, orderBy: { id: 'asc' } });
    return { notices, renewal: renewal.body.data, endDate: ended.endDate };
  };

  test('goes by SMS too to a customer with a phone, linked to the run, and Twilio gets it', async () => {
    const { notices, renewal, endDate } = await pastDue('+1 512 555 0123');
    expect(notices.map((n: any) => [n.channel, n.to])).toEqual([
      ['email', expect.stringMatching(/@example\.com$/)],
      ['sms', '+15125550123'],
    ]);
    const [, sms] = notices;
    expect(sms.run).toBe(renewal.documentId);
    expect(sms.text).toContain(`paid until ${endDate}`);
    expect(sms.text).toContain(renewal.invoice.number);
    await outbox().dispatch();
    expect(twilio.accepted.filter((m) => m.to === '+15125550123').map((m) => m.body)).toEqual([sms.text]);
  });

  test('stays an email alone for a customer without a phone', async () => {
    const { notices } = await pastDue(null);
    expect(notices.map((n: any) => n.channel)).toEqual(['email']);
  });
});

test("a customer's phone is stored in E.164, and one that is not a full international number is refused over REST", async () => {
  const customer: any = await createCustomer(strapi);
  expect(customer.phone).toBe('+15125550101');
  const auth = { Authorization: `Bearer ${customerSuccess}` };
  const updated = await http(strapi).put(`/api/customers/${customer.documentId}`).set(auth).send({ data: { phone: '+44 20 7946 0958' } });
  expect([updated.status, updated.body.data?.phone]).toEqual([200, '+442079460958']);
  const before = await snapshot(strapi);
  const refused = await http(strapi).put(`/api/customers/${customer.documentId}`).set(auth).send({ data: { phone: '020 7946 0958' } });
  expect(refused.status).toBe(400);
  expect(refused.body.error.message).toMatch(/^Customer phone "020 7946 0958" is not an E\.164 number: a \+ then the country code/);
  expect(await snapshot(strapi)).toEqual(before);
  const cleared = await http(strapi).put(`/api/customers/${customer.documentId}`).set(auth).send({ data: { phone: '' } });
  expect([cleared.status, cleared.body.data?.phone]).toEqual([200, null]);
});
