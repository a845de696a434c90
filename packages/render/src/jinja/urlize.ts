/** Jinja2 3.1's `urlize` filter (jinja2/utils.py urlize with the default policies: rel="noopener"). */
import { TemplateError } from './errors';
import { bind } from './pymethods';
import type { FilterFn } from './runtime';
import { htmlEscape, pyBool, pyIter, pyStr, num } from './values';

const HTTP_RE = new RegExp(
  '^(' +
    '(https?://|www\\.)(([\\w%-]+\\.)+)?([a-z]{2,63}|xn--[\\w%]{2,59})' +
    '|([\\w%-]{2,63}\\.)+(com|net|int|edu|gov|org|info|mil)' +
    '|(https?://)((([\\d]{1,3})(\\.[\\d]{1,3}){3})|(\\[([\\da-f]{0,4}:){2}([\\da-f]{0,4}:?){1,6}\\]))' +
    ')(?::[\\d]{1,5})?(?:[/?#]\\S*)?$',
  'iu',
);
const EMAIL_RE = /^\S+@[\p{L}\p{N}_][\p{L}\p{N}_.-]*\.[\p{L}\p{N}_]+$/u;
const SCHEME_RE = /^[a-zA-Z][\w+.-]*:(\/\/)?$/;

function urlize(text: string, trim: number | null, rel: string | null, target: string | null, extra: string[]): string {
  const trimUrl = (x: string): string => (trim !== null && x.length > trim ? `${x.slice(0, trim)}...` : x);
  const words = htmlEscape(text).split(/(\s+)/);
  const relAttr = rel ? ` rel="${htmlEscape(rel)}"` : '';
  const targetAttr = target ? ` target="${htmlEscape(target)}"` : '';
  return words
    .map((word) => {
      let head = '';
      let middle = word;
      let tail = '';
      const lead = /^([(<]|&lt;)+/.exec(middle);
      if (lead) {
        head = lead[0];
        middle = middle.slice(lead[0].length);
      }
      if (/([)>.,\n]|&gt;)$/.test(middle)) {
        const m = /([)>.,\n]|&gt;)+$/.exec(middle);
        if (m) {
          tail = m[0];
          middle = middle.slice(0, m.index);
        }
      }
      for (const [open, close] of [['(', ')'], ['<', '>'], ['&lt;', '&gt;']] as const) {
        const count = middle.split(open).length - 1;
        if (count <= middle.split(close).length - 1) continue;
        const moves = Math.min(count, tail.split(close).length - 1);
        for (let k = 0; k < moves; k++) {
          const end = tail.indexOf(close) + close.length;
          middle += tail.slice(0, end);
          tail = tail.slice(end);
        }
      }
      if (HTTP_RE.test(middle)) {
        const href = middle.startsWith('https://') || middle.startsWith('http://') ? middle : `https://${middle}`;
        middle = `<a href="${href}"${relAttr}${targetAttr}>${trimUrl(middle)}</a>`;
      } else if (middle.startsWith('mailto:') && EMAIL_RE.test(middle.slice(7))) {
        middle = `<a href="${middle}">${middle.slice(7)}</a>`;
      } else if (middle.includes('@') && !middle.startsWith('www.') && !middle.includes(':') && EMAIL_RE.test(middle)) {
        middle = `<a href="mailto:${middle}">${middle}</a>`;
      } else {
        for (const scheme of extra) {
          if (middle !== scheme && middle.startsWith(scheme)) middle = `<a href="${middle}"${relAttr}${targetAttr}>${middle}</a>`;
        }
      }
      return head + middle + tail;
    })
    .join('');
}

export const urlizeFilter: FilterFn = (v, a, kw) => {
  const [trim, nofollow, target, rel, extra] = bind(['trim_url_limit', 'nofollow', 'target', 'rel', 'extra_schemes'], a, kw, 'urlize');
  const parts = new Set((rel === undefined || rel === null ? '' : pyStr(rel)).split(/\s+/).filter(Boolean));
  if (pyBool(nofollow ?? false)) parts.add('nofollow');
  parts.add('noopener');
  const schemes = extra === undefined || extra === null ? [] : pyIter(extra).map((s) => pyStr(s));
  for (const s of schemes) if (!SCHEME_RE.test(s)) throw new TemplateError(`'${s}' is not a valid URI scheme prefix.`, 'runtime');
  return urlize(pyStr(v), trim === undefined || trim === null ? null : num(trim), [...parts].sort().join(' ') || null, target === undefined || target === null ? null : pyStr(target), schemes);
};
