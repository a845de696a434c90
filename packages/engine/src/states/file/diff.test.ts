import { diffLines, fileDiff, unifiedDiff } from './diff';

describe('unifiedDiff', () => {
  it('is empty for equal texts', () => {
    expect(unifiedDiff('a\n', 'a\n')).toBe('');
  });
  it('produces standard hunks with 3 lines of context', () => {
    const a = Array.from({ length: 20 }, (_, i) => `line${i + 1}`).join('\n') + '\n';
    const b = a.replace('line5\n', 'LINE5\n').replace('line18\n', '');
    expect(unifiedDiff(a, b, 'f', 'f')).toBe(
      [
        '--- f',
        '+++ f',
        '@@ -2,7 +2,7 @@',
        ' line2', ' line3', ' line4', '-line5', '+LINE5', ' line6', ' line7', ' line8',
        '@@ -15,6 +15,5 @@',
        ' line15', ' line16', ' line17', '-line18', ' line19', ' line20',
        '',
      ].join('\n'),
    );
  });
  it('merges nearby changes into one hunk and handles insert at start / empty old', () => {
    expect(unifiedDiff('a\nb\nc\n', 'x\na\nb\nc\ny\n')).toBe('--- \n+++ \n@@ -1,3 +1,5 @@\n+x\n a\n b\n c\n+y\n');
    expect(unifiedDiff('', 'a\nb\n')).toBe('--- \n+++ \n@@ -0,0 +1,2 @@\n+a\n+b\n');
    expect(unifiedDiff('a\n', '')).toBe('--- \n+++ \n@@ -1 +0,0 @@\n-a\n');
  });
  it('marks a missing newline at end of file', () => {
    expect(unifiedDiff('a\nb', 'a\nb\n')).toBe('--- \n+++ \n@@ -1,2 +1,2 @@\n a\n-b\n\\ No newline at end of file\n+b\n');
  });
  it('finds a shortest edit script', () => {
    const ops = diffLines('abcabba'.split(''), 'cbabac'.split(''));
    expect(ops.filter((o) => o.kind !== ' ').length).toBe(5);
    expect(ops.filter((o) => o.kind !== '+').map((o) => o.line).join('')).toBe('abcabba');
    expect(ops.filter((o) => o.kind !== '-').map((o) => o.line).join('')).toBe('cbabac');
  });
  it('fileDiff: new, binary, large', () => {
    expect(fileDiff(null, Buffer.from('x'))).toBe('New file');
    expect(fileDiff(Buffer.from([0, 1]), Buffer.from('x'))).toBe('Replace binary file');
    expect(fileDiff(Buffer.alloc(2 * 1024 * 1024, 'a'), Buffer.from('x'))).toBe('Replace binary file');
    // Salt's get_diff: empty file names; a last line without a newline runs into the next (no "\ No newline").
    expect(fileDiff(Buffer.from('a\n'), Buffer.from('b\n'))).toBe('--- \n+++ \n@@ -1 +1 @@\n-a\n+b\n');
    expect(fileDiff(Buffer.from('a\nb'), Buffer.from('a\nc'))).toBe('--- \n+++ \n@@ -1,2 +1,2 @@\n a\n-b+c');
  });
});
