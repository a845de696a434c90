import { EINTR_RETRIES, retryEintr } from './eintr';

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
