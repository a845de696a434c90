import { EINTR_RETRIES, retryEintr, socketEvents } from './eintr';

const interrupted = () => Object.assign(new Error('Interrupted system call'), { code: 'EINTR', errno: 4 });

test('a call interrupted by a signal is made again; any other error, or EINTR without end, goes through', () => {
  let calls = 0;
  expect(
    retryEintr(() => {
      if (++calls < 3) throw interrupted();
      return 'connected';
    }),
  ).toBe('connected');
  expect(calls).toBe(3);
  calls = 0;
  expect(() =>
    retryEintr(() => {
      calls++;
      throw Object.assign(new Error('Address in use'), { code: 'EADDRINUSE' });
    }),
  ).toThrow('Address in use');
  expect(calls).toBe(1);
  calls = 0;
  expect(() =>
    retryEintr(() => {
      calls++;
      throw interrupted();
    }),
  ).toThrow('Interrupted system call');
  expect(calls).toBe(EINTR_RETRIES + 1);
});

test("a socket monitor whose inproc name is still bound (a freed observer's address) is made again", () => {
  let made = 0;
  const sock = {
    get events(): string {
      if (++made < 3) throw Object.assign(new Error('Address already in use'), { code: 'EADDRINUSE', errno: 98 });
      return 'observer';
    },
  };
  expect(socketEvents(sock)).toBe('observer');
  expect(made).toBe(3);
  const never = {
    get events(): string {
      throw Object.assign(new Error('Operation not supported'), { code: 'ENOTSUP' });
    },
  };
  expect(() => socketEvents(never)).toThrow('Operation not supported');
});
