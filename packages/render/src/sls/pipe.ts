/**
 * Salt's render pipes (salt/template.py `template_shebang`, `check_render_pipe_str`): a file whose first line is
 * `#!jinja|yaml`, `#!yaml`, `#!json`, `#!jinja|json`... is rendered by those renderers in turn; any other file by
 * the default pipe (`jinja|yaml`). The shebang line stays in the text (a YAML comment; the json renderer drops it),
 * a renderer's argument (`#!jinja|yaml strict`) is read and ignored, and the old names (`yaml_jinja`) are Salt's.
 *
 * Brine renders with jinja, yaml (yamlex too), json and gpg (gpg.ts). A renderer Salt has and Brine does not (py,
 * pyobjects, pydsl, stateconf, mako...) is an error at the shebang line; so is a name Salt does not know, which Salt only
 * logs before rendering the file to nothing (a typo then applies nothing, silently).
 */
import { parseDocument } from 'yaml';
import { RenderError } from '@brine/core';
import type { ParsedYaml } from '../yaml/load';
import { gpgDecrypt, type GpgOptions } from './gpg';

export type PipeStage = 'jinja' | 'yaml' | 'json' | 'gpg';

/** Salt 3006's renderers Brine does not have, and what they do there. */
const NOT_IN_BRINE: Record<string, string> = {
  py: 'it runs the file as a Python module',
  pyobjects: 'it runs the file as Python',
  pydsl: 'it runs the file as Python',
  stateconf: 'a state-config preprocessor',
  mako: 'Mako templates',
  wempy: 'Wempy templates',
  genshi: 'Genshi templates',
  cheetah: 'Cheetah templates',
  nacl: 'it decrypts NaCl boxes',
  aws_kms: 'it decrypts with AWS KMS',
  pass: 'it reads the pass password store',
  hjson: 'Hjson',
  json5: 'JSON5',
  dson: 'DSON',
  msgpack: 'msgpack',
  toml: 'TOML',
  tomlmod: 'TOML',
};

/** Salt's OLD_STYLE_RENDERERS. */
const OLD_STYLE: Record<string, string> = {
  yaml_jinja: 'jinja|yaml',
  yaml_mako: 'mako|yaml',
  yaml_wempy: 'wempy|yaml',
  json_jinja: 'jinja|json',
  json_mako: 'mako|json',
  json_wempy: 'wempy|json',
};

const DEFAULT_PIPE: PipeStage[] = ['jinja', 'yaml'];

/** The render pipe of a file's text: its shebang's, or the default. */
export function renderPipeOf(text: string, file: string): PipeStage[] {
  const nl = text.indexOf('\n');
  const first = nl === -1 ? text : text.slice(0, nl);
  if (!first.startsWith('#!') || first.startsWith('#!/')) return DEFAULT_PIPE;
  let pipe = first.trim().slice(2);
  if (!pipe.includes('|') && OLD_STYLE[pipe.trim()]) pipe = OLD_STYLE[pipe.trim()]!;
  return pipe.split('|').map((part) => {
    const name = part.trim().split(/\s+/)[0] ?? '';
    if (name === 'jinja' || name === 'yaml' || name === 'json' || name === 'gpg') return name;
    if (name === 'yamlex') return 'yaml'; // a superset of yaml; Brine's YAML reader has Salt's rules already
    const why = NOT_IN_BRINE[name];
    throw new RenderError(
      file,
      1,
      why
        ? `the '${name}' renderer (${why}) is not available in Brine: render this file with jinja, yaml or json (#!jinja|yaml, the default)`
        : `the renderer '${name}' is not available (Salt's renderers Brine has: jinja, yaml, yamlex, json, gpg; fix the #! line)`,
    );
  });
}

/** How a pipe's stages read text: Jinja (the file, by name, with its context), YAML (the caller's loader). */
export interface PipeRenderers {
  jinja: () => string;
  yaml: (text: string) => ParsedYaml;
  /** Where gpg finds its keys (the master's or minion's options). */
  gpg: GpgOptions;
}

/** JSON text as data (Salt's json renderer: a leading shebang line dropped), errors at their line. */
function jsonData(text: string, file: string): ParsedYaml {
  const body = text.startsWith('#!') ? text.slice(text.indexOf('\n') + 1 || text.length) : text;
  const offset = text.length - body.length;
  try {
    return { data: JSON.parse(body) as unknown, nonStringKeys: [], lineOf: () => undefined };
  } catch (e) {
    // Node names the offset for some errors only; the yaml parser (JSON is YAML 1.2's flow style) finds the others.
    const at = /position (\d+)/.exec((e as Error).message);
    const pos = at ? Number(at[1]) : parseDocument(body, { version: '1.2' }).errors[0]?.pos[0];
    const line = pos === undefined ? 1 : text.slice(0, offset + pos).split('\n').length;
    throw new RenderError(file, line, `JSON: ${(e as Error).message.split('\n')[0]} (fix the JSON syntax)`);
  }
}

/**
 * Render a file's text through its pipe into data. Jinja renders the file first or not at all (Salt's jinja
 * renderer takes text; after a data renderer it fails); a pipe with no data renderer leaves text, which Salt
 * refuses as `does not render to a dictionary`.
 */
export function renderThroughPipe(text: string, file: string, what: string, r: PipeRenderers): ParsedYaml {
  const pipe = renderPipeOf(text, file);
  let out: string | ParsedYaml = text;
  pipe.forEach((stage, i) => {
    if (stage === 'jinja') {
      if (i > 0) throw new RenderError(file, 1, `the jinja renderer takes text, but '${pipe.slice(0, i).join('|')}' made data of it (put jinja first: #!jinja|${pipe.filter((s) => s !== 'jinja').join('|')})`);
      out = r.jinja();
    } else if (stage === 'gpg') {
      // Salt's gpg renderer takes data or text: the strings of either, decrypted.
      out = typeof out === 'string' ? (gpgDecrypt(out, file, r.gpg) as string) : { ...out, data: gpgDecrypt(out.data, file, r.gpg) };
    } else if (typeof out !== 'string') {
      throw new RenderError(file, 1, `the ${stage} renderer takes text, but '${pipe.slice(0, i).join('|')}' made data of it (fix the #! line)`);
    } else out = stage === 'yaml' ? r.yaml(out) : jsonData(out, file);
  });
  if (typeof out === 'string') throw new RenderError(file, 1, `${what} does not render to a dictionary (the #! line '${pipe.join('|')}' has no yaml or json renderer)`);
  return out;
}
