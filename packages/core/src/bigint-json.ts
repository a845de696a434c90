/**
 * Python's int has no size limit, and Brine keeps an integer past 2^53 as a bigint (YAML data, Jinja arithmetic, the
 * `int` filter), so its digits stay exact while a minion renders and runs. JSON has no bigint: JSON.stringify throws
 * on one, and every place a return, a pillar or an event becomes JSON would have to know. So a bigint becomes JSON as
 * its decimal digits in a string: exact, though a string on the other side. Defined once, here, for every process
 * that loads @brine/core. The json outputter prints a bigint it still holds (a masterless run) as a number, as Salt.
 */
declare global {
  interface BigInt {
    toJSON(): string;
  }
}

if (!Object.prototype.hasOwnProperty.call(BigInt.prototype, 'toJSON')) {
  Object.defineProperty(BigInt.prototype, 'toJSON', {
    value: function toJSON(this: bigint): string {
      return this.toString();
    },
    writable: true,
    configurable: true,
  });
}

export {};
