/** `slsutil.renderer`'s pipes (`jinja|yaml`, `yaml`, `json`, `text`) over Brine's renderers. */
import { TemplateError } from '../jinja/errors';
import type { Dict } from '../jinja/values';
import { loadTemplateYaml } from './yaml-values';

export type JinjaRender = (text: string, file: string, extra: Dict) => string;

export function renderPipe(jinja: JinjaRender): (text: string, renderer: string, file: string | null, extra: Dict) => unknown {
  return (text, renderer, file, extra) => {
    const name = file ?? '<string>';
    let out: unknown = text;
    for (const r of renderer.split('|').map((x) => x.trim())) {
      if (r === 'jinja') out = jinja(String(out), name, extra);
      else if (r === 'yaml') out = loadTemplateYaml(String(out), name);
      else if (r === 'json') {
        try {
          out = JSON.parse(String(out));
        } catch (e) {
          throw new TemplateError(`json renderer: ${(e as Error).message}`, 'runtime');
        }
      } else if (r === 'text' || r === 'raw') out = String(out);
      else throw new TemplateError(`renderer '${r}' is not available in Brine (use jinja, yaml, json or text)`, 'runtime');
    }
    return out;
  };
}
