import http from 'node:http';
import type { AddressInfo } from 'node:net';

/**
 * A local stand-in for SendGrid's v3 mail API: records every request the real @sendgrid/mail
 * client makes and answers from a script (202 by default), so tests can make it rate-limit,
 * fail or refuse.
 */
export interface StandIn {
  base: string;
  received: { path: string; authorization?: string; body: any }[];
  script: number[];
  close: () => Promise<void>;
}

export const startSendGridStandIn = async (): Promise<StandIn> => {
  const received: StandIn['received'] = [];
  const script: number[] = [];
  const server = http.createServer((req, res) => {
    let raw = '';
    req.on('data', (chunk) => (raw += chunk));
    req.on('end', () => {
      received.push({ path: req.url ?? '', authorization: req.headers.authorization, body: raw ? JSON.parse(raw) : null });
      const status = script.shift() ?? 202;
      res.writeHead(status, { 'content-type': 'application/json' });
      res.end(status === 202 ? '' : JSON.stringify({ errors: [{ message: `stand-in answered ${status}` }] }));
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return {
    base: `http://127.0.0.1:${port}`,
    received,
    script,
    close: () => new Promise((resolve) => server.close(() => resolve())),
  };
};
