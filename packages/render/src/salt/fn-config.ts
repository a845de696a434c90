/** config.* (salt/modules/config.py): opts, then grains, then pillar, then the master's pillar, then defaults. */
import { MISSING, PyDict, dictEntries, dictGet, dictHas, dictKeys, isDict, type Dict } from '../jinja/values';
import type { FunctionTable, SaltTemplateContext } from './context';
import { fnmatchcase, merge, traverseDictAndList } from './data';
import { fn, isSeq, pyBool, str } from './py';

/** salt.modules.config.DEFAULTS */
const DEFAULTS = (): PyDict =>
  new PyDict(
    Object.entries({
      'mongo.db': 'salt',
      'mongo.password': '',
      'mongo.port': 27017,
      'mongo.user': '',
      'redis.db': '0',
      'redis.host': 'salt',
      'redis.port': 6379,
      'test.foo': 'unconfigured',
      'ca.cert_base_path': '/etc/pki',
      'solr.cores': [],
      'solr.host': 'localhost',
      'solr.port': '8983',
      'solr.baseurl': '/solr',
      'solr.type': 'master',
      'solr.request_timeout': null,
      'solr.init_script': '/etc/rc.d/solr',
      'solr.dih.import_options': new PyDict([['clean', false], ['optimize', true], ['commit', true], ['verbose', false]]),
      'solr.backup_path': null,
      'solr.num_backups': 1,
      'poudriere.config': '/usr/local/etc/poudriere.conf',
      'poudriere.config_dir': '/usr/local/etc/poudriere.d',
      'ldap.uri': '',
      'ldap.server': 'localhost',
      'ldap.port': '389',
      'ldap.tls': false,
      'ldap.no_verify': false,
      'ldap.anonymous': true,
      'ldap.scope': 2,
      'ldap.attrs': null,
      'ldap.binddn': '',
      'ldap.bindpw': '',
      'hosts.file': '/etc/hosts',
      'aliases.file': '/etc/aliases',
      virt: new PyDict([['tunnel', false], ['images', '/srv/salt-images']]),
      'docker.exec_driver': 'docker-exec',
      'docker.compare_container_networks': new PyDict([
        ['static', ['Aliases', 'Links', 'IPAMConfig']],
        ['automatic', ['IPAddress', 'Gateway', 'GlobalIPv6Address', 'IPv6Gateway']],
      ]),
    }),
  );

const NONE = '_|-';

export function configFunctions(c: SaltTemplateContext): FunctionTable {
  const master = (): Dict | PyDict => {
    const m = dictGet(c.pillar, 'master');
    return m !== MISSING && isDict(m) ? m : new PyDict();
  };
  return {
    'config.get': fn(
      'get',
      ['key', ['default', ''], ['delimiter', ':'], ['merge', null], ['omit_opts', false], ['omit_pillar', false], ['omit_master', false], ['omit_grains', false]],
      (v) => {
        const key = v['key'];
        const delim = str(v['delimiter']);
        if (v['merge'] === null) {
          const sources: [boolean, unknown][] = [
            [pyBool(v['omit_opts']), c.opts],
            [pyBool(v['omit_grains']), c.grains],
            [pyBool(v['omit_pillar']), c.pillar],
            [pyBool(v['omit_master']), master()],
            [false, DEFAULTS()],
          ];
          for (const [omit, data] of sources) {
            if (omit) continue;
            const ret = traverseDictAndList(data, key, NONE, delim);
            if (ret !== NONE) return ret;
          }
          return v['default'];
        }
        let strategy = str(v['merge']);
        if (strategy !== 'recurse' && strategy !== 'overwrite') {
          c.log.warn(`Unsupported merge strategy '${strategy}'. Falling back to 'recurse'.`);
          strategy = 'recurse';
        }
        let data: unknown = new PyDict(DEFAULTS().entries());
        for (const layer of [master(), c.pillar, c.grains, c.opts]) data = merge(data, layer, strategy, 'yaml', false);
        const ret = traverseDictAndList(data, key, NONE, delim);
        return ret !== NONE ? ret : v['default'];
      },
    ),
    'config.option': fn(
      'option',
      ['value', ['default', null], ['omit_opts', false], ['omit_grains', false], ['omit_pillar', false], ['omit_master', false], ['omit_all', false], ['wildcard', false]],
      (v) => {
        const all = pyBool(v['omit_all']);
        const [omitOpts, omitGrains, omitPillar, omitMaster] = ['omit_opts', 'omit_grains', 'omit_pillar', 'omit_master'].map((k) => all || pyBool(v[k]));
        const wildcard = pyBool(v['wildcard']);
        const dflt = v['default'] === null ? (wildcard ? new PyDict() : '') : v['default'];
        const value = v['value'];
        const defaults = DEFAULTS();
        if (!wildcard) {
          for (const [omit, data] of [[omitOpts, c.opts], [omitGrains, c.grains], [omitPillar, c.pillar], [omitMaster, master()]] as [boolean, Dict][]) {
            if (!omit && dictHas(data, value)) return dictGet(data, value);
          }
          return defaults.has(value) ? defaults.get(value) : dflt;
        }
        const ret = new PyDict();
        const pattern = str(value);
        for (const [omit, data] of [[omitMaster, master()], [omitPillar, c.pillar], [omitGrains, c.grains], [omitOpts, c.opts]] as [boolean, Dict][]) {
          if (omit) continue;
          for (const k of dictKeys(data)) if (typeof k === 'string' && fnmatchcase(k, pattern)) ret.set(k, dictGet(data, k));
        }
        for (const [k, x] of defaults.entries()) if (fnmatchcase(k as string, pattern) && !ret.has(k)) ret.set(k, x);
        return ret.size ? ret : dflt;
      },
    ),
    'config.merge': fn('merge', ['value', ['default', ''], ['omit_opts', false], ['omit_master', false], ['omit_pillar', false]], (v) => {
      const value = v['value'];
      let ret: unknown = null;
      const layer = (data: unknown): unknown => {
        if (!isDict(data) || !dictHas(data, value)) return MISSING;
        return dictGet(data, value);
      };
      if (!pyBool(v['omit_opts'])) {
        const o = layer(c.opts);
        if (o !== MISSING) {
          ret = o;
          if (typeof ret === 'string') return ret;
        }
      }
      for (const [omit, data] of [[pyBool(v['omit_master']), master()], [pyBool(v['omit_pillar']), c.pillar]] as [boolean, unknown][]) {
        if (omit) continue;
        const tmp = layer(data);
        if (tmp === MISSING) continue;
        if (ret === null) {
          ret = tmp;
          if (typeof ret === 'string') return ret;
        } else if (isDict(ret) && isDict(tmp)) {
          const merged = new PyDict(dictEntries(tmp));
          for (const k of dictKeys(ret)) merged.set(k, dictGet(ret, k));
          ret = merged;
        } else if (isSeq(ret) && isSeq(tmp)) ret = [...ret, ...tmp];
      }
      const defaults = DEFAULTS();
      if (ret === null && defaults.has(value)) return defaults.get(value);
      return ret === null ? v['default'] : ret;
    }),
  };
}
