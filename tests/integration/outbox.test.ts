import type { Core } from '@strapi/strapi';
import QRCode from 'qrcode';
import { http, startStrapi, stopStrapi } from '../harness/strapi';
import { StandIn, startSendGridStandIn } from '../harness/sendgrid-stand-in';

/** The email outbox, dispatched by the real @sendgrid/mail client to a local SendGrid stand-in. */
let strapi: Core.Strapi;
let sendgrid: StandIn;

beforeAll(async () => {
  sendgrid = await startSendGridStandIn();
  strapi = await startStrapi();
});
afterAll(async () => {
  await stopStrapi(strapi);
  await sendgrid.close();
  delete process.env.SENDGRID_API_KEY;
  delete process.env.SENDGRID_API_BASE;
});
beforeEach(() => {
  sendgrid.received.length = 0;
  sendgrid.script.length = 0;
});

let counter = 0;
const queue = async () => {
  counter += 1;
  return strapi.documents('plugin::workflows.message' as any).create({
    data: {
      messageKey: `test:${counter}`,
      to: `customer${counter}@example.com`,
      subject: `Receipt ${counter}`,
      text: 'Total paid: USD 654.29',
      html: '<p>Total paid: USD 654.29</p>',
      state: 'pending',
      attempts: 0,
    } as any,
  });
};
const outbox = () => strapi.plugin('workflows').service('messages');
const stored = (email: any) => strapi.db.query('plugin::workflows.message').findOne({ where: { id: email.id } });
const later = (minutes: number) => new Date(Date.now() + minutes * 60_000);

test('without an API key an email is kept for preview and nothing is sent', async () => {
  delete process.env.SENDGRID_API_KEY;
  const email = await queue();
  expect(await outbox().dispatch()).toMatchObject({ preview: 1, sent: 0 });
  expect((await stored(email)).state).toBe('preview');
  expect(sendgrid.received).toHaveLength(0);
});

describe('with an API key', () => {
  beforeAll(() => {
    process.env.SENDGRID_API_KEY = 'SG.test-key';
    process.env.SENDGRID_API_BASE = sendgrid.base;
  });

  test('an email is sent once, with its content, and not again', async () => {
    const email = await queue();
    expect(await outbox().dispatch()).toMatchObject({ sent: 1 });
    expect(await outbox().dispatch(later(600))).toMatchObject({ sent: 0 });
    expect(sendgrid.received).toHaveLength(1);
    const [request] = sendgrid.received;
    expect(request.path).toBe('/v3/mail/send');
    expect(request.authorization).toBe('Bearer SG.test-key');
    expect(request.body.personalizations[0].to[0].email).toBe(email.to);
    expect(request.body.subject).toBe(email.subject);
    expect(request.body.content.map((c: any) => c.type)).toEqual(['text/plain', 'text/html']);
    expect((await stored(email)).state).toBe('sent');
  });

  test('an inline image travels as an inline attachment with its content id', async () => {
    const png = (await QRCode.toBuffer('PASS-CODE-1', { type: 'png' })).toString('base64');
    const email = await outbox().enqueue({
      channel: 'email',
      key: `inline:${Date.now()}`,
      to: 'rider@example.com',
      subject: 'Your pass',
      text: 'Your pass code: PASS-CODE-1',
      html: '<p><img src="cid:pass-qr"></p>',
      images: [{ cid: 'pass-qr', png }],
    });
    expect(await outbox().dispatch()).toMatchObject({ sent: 1 });
    const [request] = sendgrid.received;
    expect(request.body.attachments).toEqual([{ content: png, filename: 'pass-qr.png', type: 'image/png', disposition: 'inline', content_id: 'pass-qr' }]);
    expect((await stored(email)).state).toBe('sent');
  });

  test('an inline image that is not a PNG, or has a bad content id, is refused and nothing is queued', async () => {
    const before = await strapi.db.query('plugin::workflows.message').count();
    const email = { channel: 'email', to: 'rider@example.com', subject: 'Your pass', text: 'x' } as const;
    const gif = Buffer.from('GIF89a....').toString('base64');
    await expect(outbox().enqueue({ ...email, key: 'bad:1', images: [{ cid: 'pass-qr', png: gif }] })).rejects.toThrow(/images.0.png: png must be a PNG image/);
    await expect(outbox().enqueue({ ...email, key: 'bad:2', images: [{ cid: 'Pass QR"><script>', png: 'iVBORw0KGgo=' }] })).rejects.toThrow(/images.0.cid/);
    await expect(outbox().enqueue({ ...email, key: 'bad:3', images: [{ cid: 'a', png: 'iVBORw0KGgo' + 'A'.repeat(100_000) }] })).rejects.toThrow(/at most 100000/);
    expect(await strapi.db.query('plugin::workflows.message').count()).toBe(before);
  });

  test('a 429 is retried after a back-off, then the 202 marks it sent', async () => {
    sendgrid.script.push(429, 202);
    const email = await queue();
    expect(await outbox().dispatch()).toMatchObject({ retried: 1 });
    const waiting = await stored(email);
    expect([waiting.state, waiting.attempts]).toEqual(['pending', 1]);
    expect(waiting.lastError).toMatch(/^429/);
    expect(await outbox().dispatch()).toMatchObject({ sent: 0, retried: 0 }); // not due yet
    expect(await outbox().dispatch(later(5))).toMatchObject({ sent: 1 });
    expect(sendgrid.received).toHaveLength(2);
    expect((await stored(email)).state).toBe('sent');
  });

  test('a 400 is dead-lettered at once, never retried', async () => {
    sendgrid.script.push(400);
    const email = await queue();
    expect(await outbox().dispatch()).toMatchObject({ dead: 1 });
    expect(await outbox().dispatch(later(600))).toMatchObject({ sent: 0, dead: 0 });
    expect(sendgrid.received).toHaveLength(1);
    const dead = await stored(email);
    expect([dead.state, dead.attempts]).toEqual(['dead', 1]);
    expect(dead.lastError).toMatch(/^400/);
  });

  test('a SendGrid that is down is retried until the attempts run out', async () => {
    sendgrid.script.push(500, 500, 500, 500, 500, 500);
    const email = await queue();
    let when = Date.now();
    for (let i = 0; i < 6; i += 1) {
      await outbox().dispatch(new Date(when));
      when += 7 * 60 * 60 * 1000;
    }
    expect(sendgrid.received).toHaveLength(6);
    expect((await stored(email)).state).toBe('dead');
  });
});

describe("Strapi's own emails", () => {
  const adminEmail = 'reset.me@example.com';
  beforeAll(async () => {
    const role = await strapi.db.query('admin::role').findOne({ where: { code: 'strapi-super-admin' } });
    await strapi.service('admin::user').create({ email: adminEmail, firstname: 'Reset', lastname: 'Me', password: 'Original-passw0rd', isActive: true, registrationToken: null, roles: [role.id] });
    process.env.SENDGRID_API_KEY = 'SG.test-key';
    process.env.SENDGRID_API_BASE = sendgrid.base;
  });
  const strapiEmails = () => strapi.db.query('plugin::workflows.message').findMany({ where: { messageKey: { $startsWith: 'strapi:' } } });

  test("an admin's password reset goes through the outbox and SendGrid, from the app's sender, with the reset link", async () => {
    const response = await http(strapi).post('/admin/forgot-password').send({ email: adminEmail });
    expect(response.status).toBe(204);
    // Strapi answers before its email is handed over: wait for the row (at most 5 s).
    for (let waited = 0; (await strapiEmails()).length === 0 && waited < 5000; waited += 50) await new Promise((resolve) => setTimeout(resolve, 50));
    const [queued, ...others] = await strapiEmails();
    expect(others).toHaveLength(0);
    expect(queued).toMatchObject({ to: adminEmail, state: 'pending' });
    const user = await strapi.db.query('admin::user').findOne({ where: { email: adminEmail } });
    expect(user.resetPasswordToken).toBeTruthy();
    expect(queued.html).toContain(`/admin/auth/reset-password?code=${user.resetPasswordToken}`);

    expect(await outbox().dispatch()).toMatchObject({ sent: 1 });
    expect(sendgrid.received).toHaveLength(1);
    const sent = sendgrid.received[0].body;
    expect(sent.personalizations[0].to[0].email).toBe(adminEmail);
    expect(sent.from.email).toBe(process.env.EMAIL_FROM ?? 'service@example.com');
    expect(JSON.stringify(sent.content)).toContain(user.resetPasswordToken);
  });

  test('an unknown address gets the same answer and queues nothing', async () => {
    const before = (await strapiEmails()).length;
    const response = await http(strapi).post('/admin/forgot-password').send({ email: 'nobody@example.com' });
    expect(response.status).toBe(204);
    await new Promise((resolve) => setTimeout(resolve, 500));
    expect(await strapiEmails()).toHaveLength(before);
  });
});

