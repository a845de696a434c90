/**
 * Salt's template API against Salt itself: every case of oracle-cases.ts was rendered by Salt 3006.1 (run from
 * source, masterless, with the group's grains, pillar and state tree) and must render the same here.
 */
import { loadSaltYaml } from '../yaml/load';
import { ORACLE_GROUPS } from './oracle-cases';
import { renderSalt } from './testkit';
import { JinjaEngine } from '../jinja/engine';
import { SALT_FILTERS, SALT_TESTS } from './index';
import { pythonDicts } from './filters-serialize';

const engine = new JinjaEngine({ filters: SALT_FILTERS, tests: SALT_TESTS });

for (const g of ORACLE_GROUPS) {
  describe(`Salt oracle: ${g.name}`, () => {
    const pillar = loadSaltYaml(g.pillarYaml, 'pillar.sls') as Record<string, unknown>;
    test.each(g.cases)('%s', (_name, template, expected) => {
      const { out } = renderSalt(template, {
        grains: g.grains,
        pillar,
        files: g.files,
        render: (text, renderer, _path, context) => {
          const rendered = engine.renderString(text, { grains: g.grains, pillar, ...context });
          return renderer.split('|').includes('yaml') ? pythonDicts(loadSaltYaml(rendered, '<string>')) : rendered;
        },
      });
      expect(out).toBe(expected);
    });
  });
}
