import { handleLostConnections, isLostConnection } from '../../src/setup/process';

const pgError = (code: string, message: string) => Object.assign(new Error(message), { code, severity: 'FATAL' });

test.each([
  ['PostgreSQL restarted (57P01)', pgError('57P01', 'select 1 - terminating connection due to administrator command'), true],
  ['PostgreSQL crashed (57P02)', pgError('57P02', 'terminating connection because of crash of another server process'), true],
  ['PostgreSQL starting (57P03)', pgError('57P03', 'the database system is starting up'), true],
  ['connection failure (08006)', pgError('08006', 'connection failure'), true],
  ['refused', Object.assign(new Error('connect ECONNREFUSED 127.0.0.1:5432'), { code: 'ECONNREFUSED' }), true],
  ['pg client after an error', new Error('select 1 - Client has encountered a connection error and is not queryable'), true],
  ['socket closed', new Error('Connection terminated unexpectedly'), true],
  ['unique violation (23505)', pgError('23505', 'duplicate key value violates unique constraint'), false],
  ['deadlock (40P01)', pgError('40P01', 'deadlock detected'), false],
  ['a bug', new TypeError("Cannot read properties of undefined (reading 'id')"), false],
  ['a string', 'terminating connection', false],
  ['nothing', undefined, false],
])('%s: lost connection %s', (_name, error, expected) => {
  expect(isLostConnection(error)).toBe(expected);
});

test('a lost connection is logged and survived; anything else still stops the process', () => {
  const listeners: ((reason: unknown) => void)[] = [];
  const on = jest.spyOn(process, 'on').mockImplementation(((event: string, listener: any) => {
    if (event === 'unhandledRejection') listeners.push(listener);
    return process;
  }) as any);
  const registered = jest.spyOn(process, 'listeners').mockImplementation(((event: string) => (event === 'unhandledRejection' ? [...listeners] : [])) as any);
  try {
    const warn = jest.fn();
    handleLostConnections({ log: { warn } } as any);
    handleLostConnections({ log: { warn } } as any); // a second boot in the same process adds no second handler
    expect(listeners).toHaveLength(1);
    expect(() => listeners[0](pgError('57P01', 'terminating connection due to administrator command'))).not.toThrow();
    expect(warn).toHaveBeenCalledWith(expect.stringContaining('terminating connection due to administrator command'));
    const bug = new TypeError('x is not a function');
    expect(() => listeners[0](bug)).toThrow(bug);
  } finally {
    on.mockRestore();
    registered.mockRestore();
  }
});
