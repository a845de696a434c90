/**
 * PyYAML's `yaml.dump` over template values, as Salt runs it (PyYAML 6 with libyaml's emitter): the safe
 * representer, the serializer (anchors `&id001` for lists and dicts met twice), the YAML 1.1 implicit resolver
 * and the emitter's style choice, indentation and line folding at 80 columns.
 *
 * Two representers are in play: Salt's `SafeOrderedDumper` (the `yaml` filter: an OrderedDict keeps its order,
 * anything it cannot represent is `NULL`) and the serializers' `Dumper` (`slsutil.serialize('yaml')`: every dict
 * sorted, anything else an error). In Brine a PyDict is a Python dict and a plain JS object is data (an ordered
 * dict from YAML); `orderedPlain` says whether plain objects keep their order.
 */
import { TemplateError } from '../jinja/errors';
import { pySortCompare } from '../jinja/filters';
import { OrderedPyDict, PyDict, PyFloat, Undefined, dictEntries, isPlainObject, reprFloat } from '../jinja/values';
import { codePointCompare } from './py';

export interface YamlDumpOptions {
  /** PyYAML's default_flow_style: true (flow), false (block), null (flow for collections of scalars only). */
  defaultFlowStyle?: boolean | null;
  defaultStyle?: string | null;
  allowUnicode?: boolean;
  sortKeys?: boolean;
  /** Plain JS objects are ordered dicts that keep their order (SafeOrderedDumper); else they sort too. */
  orderedPlain?: boolean;
  /** Values the representer does not know become `NULL` (SafeOrderedDumper) instead of an error. */
  unknownAsNull?: boolean;
  indent?: number | null;
  width?: number | null;
  explicitStart?: boolean;
  explicitEnd?: boolean;
  canonical?: boolean;
}

/* ------------------------------------------------------------------ nodes (representer) */

interface ScalarNode {
  kind: 'scalar';
  tag: string;
  value: string;
  style: string | null;
}
interface SeqNode {
  kind: 'seq';
  tag: string;
  value: Node[];
  flowStyle: boolean | null;
}
interface MapNode {
  kind: 'map';
  tag: string;
  value: [Node, Node][];
  flowStyle: boolean | null;
}
type Node = ScalarNode | SeqNode | MapNode;

const T = (s: string): string => 'tag:yaml.org,2002:' + s;

class Representer {
  private readonly objects = new Map<object, Node>();
  constructor(private readonly o: YamlDumpOptions) {}

  private scalar(tag: string, value: string, style: string | null = null): ScalarNode {
    return { kind: 'scalar', tag, value, style: style ?? this.o.defaultStyle ?? null };
  }

  represent(data: unknown): Node {
    if (data instanceof Undefined) {
      // Not a type PyYAML knows: Salt's dumpers (unknownAsNull) write NULL, PyYAML's own raise, as for any object.
      // One Undefined seen twice is one object, aliased as PyYAML aliases it.
      if (!this.o.unknownAsNull) throw new TemplateError("('cannot represent an object', Undefined)", 'runtime');
      const seen = this.objects.get(data);
      if (seen) return seen;
      const node = this.scalar(T('null'), 'NULL');
      this.objects.set(data, node);
      return node;
    }
    if (data === null || data === undefined) return this.scalar(T('null'), 'null');
    switch (typeof data) {
      case 'string':
        return this.scalar(T('str'), data);
      case 'boolean':
        return this.scalar(T('bool'), data ? 'true' : 'false');
      case 'bigint':
        return this.scalar(T('int'), data.toString());
      case 'number':
        return Number.isInteger(data) && !Object.is(data, -0) ? this.scalar(T('int'), String(data)) : this.float(data);
    }
    if (data instanceof PyFloat) return this.float(data.v);
    const obj = data as object;
    const seen = this.objects.get(obj);
    if (seen) return seen;
    if (Array.isArray(data)) {
      // An empty tuple is never aliased (SafeRepresenter.ignore_aliases).
      const node: SeqNode = { kind: 'seq', tag: T('seq'), value: [], flowStyle: null };
      if (data.length > 0 || !isTupleLike(data)) this.objects.set(obj, node);
      let best = true;
      for (const item of data) {
        const n = this.represent(item);
        if (!(n.kind === 'scalar' && !n.style)) best = false;
        node.value.push(n);
      }
      node.flowStyle = this.o.defaultFlowStyle ?? best;
      return node;
    }
    if (data instanceof PyDict || isPlainObject(data)) {
      const node: MapNode = { kind: 'map', tag: T('map'), value: [], flowStyle: null };
      this.objects.set(obj, node);
      let items: [unknown, unknown][] = dictEntries(data);
      // Salt's dumpers keep a loaded (ordered) dict's order and sort a template-made one, as PyYAML sorts a dict.
      const ordered = data instanceof PyDict ? data instanceof OrderedPyDict : true;
      const sort = this.o.sortKeys !== false && (!ordered || !this.o.orderedPlain);
      if (sort) {
        try {
          items = [...items].sort((a, b) => pyKeyCompare(a[0], b[0]));
        } catch {
          /* TypeError in sorted(): PyYAML keeps the order */
        }
      }
      let best = true;
      for (const [k, v] of items) {
        const nk = this.represent(k);
        const nv = this.represent(v);
        if (!(nk.kind === 'scalar' && !nk.style)) best = false;
        if (!(nv.kind === 'scalar' && !nv.style)) best = false;
        node.value.push([nk, nv]);
      }
      node.flowStyle = this.o.defaultFlowStyle ?? best;
      return node;
    }
    if (this.o.unknownAsNull) return this.scalar(T('null'), 'NULL');
    throw new TemplateError(`('cannot represent an object', ${describe(data)})`, 'runtime');
  }

  private float(v: number): ScalarNode {
    let value: string;
    if (Number.isNaN(v)) value = '.nan';
    else if (v === Infinity) value = '.inf';
    else if (v === -Infinity) value = '-.inf';
    else {
      value = reprFloat(v).toLowerCase();
      if (!value.includes('.') && value.includes('e')) value = value.replace('e', '.0e');
    }
    return this.scalar(T('float'), value);
  }
}

/** Python's `<` on keys: strings by code point, the rest as the engine does. */
export function pyKeyCompare(a: unknown, b: unknown): number {
  if (typeof a === 'string' && typeof b === 'string') return codePointCompare(a, b);
  return pySortCompare(a, b);
}

function isTupleLike(v: unknown[]): boolean {
  return Object.getOwnPropertySymbols(v).length > 0;
}

function describe(v: unknown): string {
  const r = (v as { pyRepr?: () => string } | null)?.pyRepr;
  return typeof r === 'function' ? r.call(v) : String(v);
}

/* ------------------------------------------------------------------ resolver */

const RESOLVERS: [string, RegExp, string][] = [
  [T('bool'), /^(?:yes|Yes|YES|no|No|NO|true|True|TRUE|false|False|FALSE|on|On|ON|off|Off|OFF)$/, 'yYnNtTfFoO'],
  [
    T('float'),
    /^(?:[-+]?(?:[0-9][0-9_]*)\.[0-9_]*(?:[eE][-+][0-9]+)?|\.[0-9][0-9_]*(?:[eE][-+][0-9]+)?|[-+]?[0-9][0-9_]*(?::[0-5]?[0-9])+\.[0-9_]*|[-+]?\.(?:inf|Inf|INF)|\.(?:nan|NaN|NAN))$/,
    '-+0123456789.',
  ],
  [T('int'), /^(?:[-+]?0b[0-1_]+|[-+]?0[0-7_]+|[-+]?(?:0|[1-9][0-9_]*)|[-+]?0x[0-9a-fA-F_]+|[-+]?[1-9][0-9_]*(?::[0-5]?[0-9])+)$/, '-+0123456789'],
  [T('merge'), /^(?:<<)$/, '<'],
  [T('null'), /^(?:~|null|Null|NULL|)$/, '~nN'],
  [
    T('timestamp'),
    /^(?:[0-9][0-9][0-9][0-9]-[0-9][0-9]-[0-9][0-9]|[0-9][0-9][0-9][0-9]-[0-9][0-9]?-[0-9][0-9]?(?:[Tt]|[ \t]+)[0-9][0-9]?:[0-9][0-9]:[0-9][0-9](?:\.[0-9]*)?(?:[ \t]*(?:Z|[-+][0-9][0-9]?(?::[0-9][0-9])?))?)$/,
    '0123456789',
  ],
  [T('value'), /^(?:=)$/, '='],
  [T('yaml'), /^(?:!|&|\*)$/, '!&*'],
];

/** The tag a plain scalar `value` resolves to (Python's `$` also matches before a final newline). */
function resolvePlain(value: string): string {
  if (value === '') return T('null');
  const first = value[0]!;
  const v = value.endsWith('\n') ? value.slice(0, -1) : value;
  for (const [tag, re, firsts] of RESOLVERS) {
    if (!firsts.includes(first)) continue;
    if (re.test(value) || re.test(v)) return tag;
  }
  return T('str');
}

/* ------------------------------------------------------------------ events (serializer) */

type Ev =
  | { t: 'StreamStart' }
  | { t: 'StreamEnd' }
  | { t: 'DocumentStart'; explicit: boolean }
  | { t: 'DocumentEnd'; explicit: boolean }
  | { t: 'Alias'; anchor: string }
  | { t: 'Scalar'; anchor: string | null; tag: string | null; implicit: [boolean, boolean]; value: string; style: string | null }
  | { t: 'SequenceStart'; anchor: string | null; tag: string | null; implicit: boolean; flowStyle: boolean | null }
  | { t: 'SequenceEnd' }
  | { t: 'MappingStart'; anchor: string | null; tag: string | null; implicit: boolean; flowStyle: boolean | null }
  | { t: 'MappingEnd' };

function serialize(root: Node, o: YamlDumpOptions): Ev[] {
  const anchors = new Map<Node, string | null>();
  let last = 0;
  const anchorNode = (n: Node): void => {
    if (anchors.has(n)) {
      if (anchors.get(n) === null) anchors.set(n, `id${String(++last).padStart(3, '0')}`);
      return;
    }
    anchors.set(n, null);
    if (n.kind === 'seq') n.value.forEach(anchorNode);
    else if (n.kind === 'map') for (const [k, v] of n.value) (anchorNode(k), anchorNode(v));
  };
  anchorNode(root);
  const events: Ev[] = [{ t: 'StreamStart' }, { t: 'DocumentStart', explicit: !!o.explicitStart }];
  const done = new Set<Node>();
  const node = (n: Node): void => {
    const alias = anchors.get(n) ?? null;
    if (done.has(n)) {
      events.push({ t: 'Alias', anchor: alias! });
      return;
    }
    done.add(n);
    if (n.kind === 'scalar') {
      const implicit: [boolean, boolean] = [n.tag === resolvePlain(n.value), n.tag === T('str')];
      events.push({ t: 'Scalar', anchor: alias, tag: n.tag, implicit, value: n.value, style: n.style });
    } else if (n.kind === 'seq') {
      events.push({ t: 'SequenceStart', anchor: alias, tag: n.tag, implicit: n.tag === T('seq'), flowStyle: n.flowStyle });
      n.value.forEach(node);
      events.push({ t: 'SequenceEnd' });
    } else {
      events.push({ t: 'MappingStart', anchor: alias, tag: n.tag, implicit: n.tag === T('map'), flowStyle: n.flowStyle });
      for (const [k, v] of n.value) (node(k), node(v));
      events.push({ t: 'MappingEnd' });
    }
  };
  node(root);
  events.push({ t: 'DocumentEnd', explicit: !!o.explicitEnd }, { t: 'StreamEnd' });
  return events;
}

/* ------------------------------------------------------------------ emitter */

interface Analysis {
  scalar: string;
  empty: boolean;
  multiline: boolean;
  allowFlowPlain: boolean;
  allowBlockPlain: boolean;
  allowSingleQuoted: boolean;
  allowDoubleQuoted: boolean;
  allowBlock: boolean;
}

const BREAKS = '\n\x85\u2028\u2029';
const isBreak = (c: string | undefined): boolean => c !== undefined && BREAKS.includes(c);
/** libyaml's IS_BREAK (with CR), used where libyaml analyses a scalar. */
const isAnyBreak = (c: string): boolean => c === '\r' || BREAKS.includes(c);
const WS = '\0 \t\r\n\x85\u2028\u2029';

const ESCAPES: Record<string, string> = {
  '\0': '0', '\x07': 'a', '\x08': 'b', '\x09': 't', '\x0A': 'n', '\x0B': 'v', '\x0C': 'f', '\x0D': 'r', '\x1B': 'e',
  '"': '"', '\\': '\\', '\x85': 'N', '\xA0': '_', '\u2028': 'L', '\u2029': 'P',
};

const TAG_PREFIXES: Record<string, string> = { '!': '!', 'tag:yaml.org,2002:': '!!' };

const cp = (c: string): number => c.codePointAt(0)!;
/** Characters (code points) of a string. */
const chars = (s: string): string[] => [...s];

/** libyaml's IS_PRINTABLE past ASCII: the BMP from U+00A0 without surrogates, U+FEFF, U+FFFE/F (no astral). */
function isPrintableUnicode(c: string): boolean {
  const n = cp(c);
  return ((n >= 0xa0 && n <= 0xd7ff) || (n >= 0xe000 && n <= 0xfffd)) && n !== 0xfeff;
}

class Emitter {
  private readonly out: string[] = [];
  private events: Ev[] = [];
  private event: Ev | null = null;
  private states: (() => void)[] = [];
  private state: () => void = () => this.expectStreamStart();
  private indents: (number | null)[] = [];
  private indent: number | null = null;
  private flowLevel = 0;
  private rootContext = false;
  private sequenceContext = false;
  private mappingContext = false;
  private simpleKeyContext = false;
  private column = 0;
  private whitespace = true;
  private indention = true;
  private openEnded = false;
  private readonly canonical: boolean;
  private readonly allowUnicode: boolean;
  private readonly bestIndent: number;
  private readonly bestWidth: number;
  private analysis: Analysis | null = null;
  private style: string | null = null;
  private preparedAnchor: string | null = null;
  private preparedTag: string | null = null;

  constructor(o: YamlDumpOptions) {
    this.canonical = !!o.canonical;
    this.allowUnicode = !!o.allowUnicode;
    this.bestIndent = o.indent && o.indent > 1 && o.indent < 10 ? o.indent : 2;
    this.bestWidth = o.width && o.width > this.bestIndent * 2 ? o.width : o.width !== null && o.width !== undefined && o.width < 0 ? Infinity : 80;
  }

  run(events: Ev[]): string {
    this.events = [...events];
    while (this.events.length) {
      this.event = this.events.shift()!;
      this.state();
      this.event = null;
    }
    return this.out.join('');
  }

  private ev<K extends Ev['t']>(t: K): Extract<Ev, { t: K }> | null {
    return this.event && this.event.t === t ? (this.event as Extract<Ev, { t: K }>) : null;
  }

  private increaseIndent(flow = false, indentless = false): void {
    this.indents.push(this.indent);
    if (this.indent === null) this.indent = flow ? this.bestIndent : 0;
    else if (!indentless) this.indent += this.bestIndent;
  }

  private popIndent(): void {
    this.indent = this.indents.pop() ?? null;
  }

  private popState(): void {
    this.state = this.states.pop()!;
  }

  /* streams and documents */

  private expectStreamStart(): void {
    if (!this.ev('StreamStart')) throw new Error('expected StreamStartEvent');
    this.state = () => this.expectDocumentStart(true);
  }

  private expectDocumentStart(first = false): void {
    const e = this.ev('DocumentStart');
    if (e) {
      const implicit = first && !e.explicit && !this.canonical && !this.checkEmptyDocument();
      if (!implicit) {
        this.writeIndent();
        this.writeIndicator('---', true);
        if (this.canonical) this.writeIndent();
      }
      this.state = () => this.expectDocumentRoot();
    } else if (this.ev('StreamEnd')) {
      if (this.openEnded) {
        this.writeIndicator('...', true);
        this.writeIndent();
      }
      this.state = () => {
        throw new Error('expected nothing');
      };
    } else throw new Error('expected DocumentStartEvent');
  }

  private expectDocumentEnd(): void {
    const e = this.ev('DocumentEnd');
    if (!e) throw new Error('expected DocumentEndEvent');
    this.writeIndent();
    if (e.explicit) {
      this.writeIndicator('...', true);
      this.writeIndent();
    }
    this.state = () => this.expectDocumentStart();
  }

  private expectDocumentRoot(): void {
    this.states.push(() => this.expectDocumentEnd());
    this.expectNode(true);
  }

  /* nodes */

  private expectNode(root = false, sequence = false, mapping = false, simpleKey = false): void {
    this.rootContext = root;
    this.sequenceContext = sequence;
    this.mappingContext = mapping;
    this.simpleKeyContext = simpleKey;
    const e = this.event!;
    if (e.t === 'Alias') {
      this.processAnchor('*');
      this.popState();
    } else if (e.t === 'Scalar' || e.t === 'SequenceStart' || e.t === 'MappingStart') {
      this.processAnchor('&');
      this.processTag();
      if (e.t === 'Scalar') {
        this.increaseIndent(true);
        this.processScalar();
        this.popIndent();
        this.popState();
      } else if (e.t === 'SequenceStart') {
        if (this.flowLevel || this.canonical || e.flowStyle || this.checkEmptySequence()) this.expectFlowSequence();
        else this.expectBlockSequence();
      } else if (this.flowLevel || this.canonical || e.flowStyle || this.checkEmptyMapping()) this.expectFlowMapping();
      else this.expectBlockMapping();
    } else throw new Error(`expected NodeEvent, but got ${e.t}`);
  }

  /* flow sequences */

  /** Close a flow collection at its end event (true), or write the separator before its next item. */
  private flowItem(first: boolean, end: 'SequenceEnd' | 'MappingEnd', close: string): boolean {
    if (this.ev(end)) {
      this.popIndent();
      this.flowLevel--;
      if (!first && this.canonical) {
        this.writeIndicator(',', false);
        this.writeIndent();
      }
      this.writeIndicator(close, false);
      this.popState();
      return true;
    }
    if (!first) this.writeIndicator(',', false);
    if (this.canonical || this.column > this.bestWidth) this.writeIndent();
    return false;
  }

  private expectFlowSequence(): void {
    this.writeIndicator('[', true, true);
    this.flowLevel++;
    this.increaseIndent(true);
    this.state = () => this.expectFlowSequenceItem(true);
  }

  private expectFlowSequenceItem(first: boolean): void {
    if (this.flowItem(first, 'SequenceEnd', ']')) return;
    this.states.push(() => this.expectFlowSequenceItem(false));
    this.expectNode(false, true);
  }

  /* flow mappings */

  private expectFlowMapping(): void {
    this.writeIndicator('{', true, true);
    this.flowLevel++;
    this.increaseIndent(true);
    this.state = () => this.expectFlowMappingKey(true);
  }

  private expectFlowMappingKey(first: boolean): void {
    if (this.flowItem(first, 'MappingEnd', '}')) return;
    if (!this.canonical && this.checkSimpleKey()) {
      this.states.push(() => this.expectFlowMappingSimpleValue());
      this.expectNode(false, false, true, true);
    } else {
      this.writeIndicator('?', true);
      this.states.push(() => this.expectFlowMappingValue());
      this.expectNode(false, false, true);
    }
  }

  private expectFlowMappingSimpleValue(): void {
    this.writeIndicator(':', false);
    this.states.push(() => this.expectFlowMappingKey(false));
    this.expectNode(false, false, true);
  }

  private expectFlowMappingValue(): void {
    if (this.canonical || this.column > this.bestWidth) this.writeIndent();
    this.writeIndicator(':', true);
    this.states.push(() => this.expectFlowMappingKey(false));
    this.expectNode(false, false, true);
  }

  /* block sequences */

  private expectBlockSequence(): void {
    const indentless = this.mappingContext && !this.indention;
    this.increaseIndent(false, indentless);
    this.state = () => this.expectBlockSequenceItem(true);
  }

  private expectBlockSequenceItem(first: boolean): void {
    if (!first && this.ev('SequenceEnd')) {
      this.popIndent();
      this.popState();
      return;
    }
    this.writeIndent();
    this.writeIndicator('-', true, false, true);
    this.states.push(() => this.expectBlockSequenceItem(false));
    this.expectNode(false, true);
  }

  /* block mappings */

  private expectBlockMapping(): void {
    this.increaseIndent(false);
    this.state = () => this.expectBlockMappingKey(true);
  }

  private expectBlockMappingKey(first: boolean): void {
    if (!first && this.ev('MappingEnd')) {
      this.popIndent();
      this.popState();
      return;
    }
    this.writeIndent();
    if (this.checkSimpleKey()) {
      this.states.push(() => this.expectBlockMappingSimpleValue());
      this.expectNode(false, false, true, true);
    } else {
      this.writeIndicator('?', true, false, true);
      this.states.push(() => this.expectBlockMappingValue());
      this.expectNode(false, false, true);
    }
  }

  private expectBlockMappingSimpleValue(): void {
    this.writeIndicator(':', false);
    this.states.push(() => this.expectBlockMappingKey(false));
    this.expectNode(false, false, true);
  }

  private expectBlockMappingValue(): void {
    this.writeIndent();
    this.writeIndicator(':', true, false, true);
    this.states.push(() => this.expectBlockMappingKey(false));
    this.expectNode(false, false, true);
  }

  /* checkers */

  private checkEmptySequence(): boolean {
    return this.event?.t === 'SequenceStart' && this.events[0]?.t === 'SequenceEnd';
  }

  private checkEmptyMapping(): boolean {
    return this.event?.t === 'MappingStart' && this.events[0]?.t === 'MappingEnd';
  }

  private checkEmptyDocument(): boolean {
    const e = this.events[0];
    return !!e && e.t === 'Scalar' && e.anchor === null && e.tag === null && e.implicit[0] && e.value === '';
  }

  /**
   * libyaml's rule: a key of at most 128 bytes on one line (an empty scalar is a simple key too); a tag counts only
   * when it will be written.
   */
  private checkSimpleKey(): boolean {
    const e = this.event!;
    let length = 0;
    if ((e.t === 'Scalar' || e.t === 'SequenceStart' || e.t === 'MappingStart' || e.t === 'Alias') && e.anchor !== null) {
      this.preparedAnchor ??= e.anchor;
      length += Buffer.byteLength(this.preparedAnchor);
    }
    if (e.t === 'Scalar' || e.t === 'SequenceStart' || e.t === 'MappingStart') {
      const written = e.t === 'Scalar' ? !e.implicit[0] && !e.implicit[1] : !e.implicit;
      if (e.tag !== null && (this.canonical || written)) length += Buffer.byteLength(this.prepareTag(e.tag));
    }
    if (e.t === 'Scalar') {
      this.analysis ??= this.analyzeScalar(e.value);
      if (this.analysis.multiline) return false;
      length += Buffer.byteLength(this.analysis.scalar);
    } else if (e.t === 'SequenceStart') {
      if (!this.checkEmptySequence()) return false;
    } else if (e.t === 'MappingStart') {
      if (!this.checkEmptyMapping()) return false;
    }
    return length <= 128;
  }

  /* anchors, tags and scalars */

  private processAnchor(indicator: string): void {
    const e = this.event as { anchor?: string | null };
    if (e.anchor === null || e.anchor === undefined) {
      this.preparedAnchor = null;
      return;
    }
    this.preparedAnchor ??= e.anchor;
    if (this.preparedAnchor) this.writeIndicator(indicator + this.preparedAnchor, true);
    this.preparedAnchor = null;
  }

  private processTag(): void {
    const e = this.event!;
    let tag = (e as { tag?: string | null }).tag ?? null;
    if (e.t === 'Scalar') {
      this.style ??= this.chooseScalarStyle();
      if ((!this.canonical || tag === null) && ((this.style === '' && e.implicit[0]) || (this.style !== '' && e.implicit[1]))) {
        this.preparedTag = null;
        return;
      }
      if (e.implicit[0] && tag === null) {
        tag = '!';
        this.preparedTag = null;
      }
    } else if ((e.t === 'SequenceStart' || e.t === 'MappingStart') && (!this.canonical || tag === null) && e.implicit) {
      this.preparedTag = null;
      return;
    }
    if (tag === null) throw new Error('tag is not specified');
    this.preparedTag ??= this.prepareTag(tag);
    if (this.preparedTag) this.writeIndicator(this.preparedTag, true);
    this.preparedTag = null;
  }

  private chooseScalarStyle(): string {
    const e = this.event as Extract<Ev, { t: 'Scalar' }>;
    this.analysis ??= this.analyzeScalar(e.value);
    const a = this.analysis;
    if (e.style === '"' || this.canonical) return '"';
    if (!e.style && e.implicit[0]) {
      if (!(this.simpleKeyContext && (a.empty || a.multiline)) && ((this.flowLevel && a.allowFlowPlain) || (!this.flowLevel && a.allowBlockPlain))) {
        return '';
      }
    }
    if (e.style && '|>'.includes(e.style)) {
      if (!this.flowLevel && !this.simpleKeyContext && a.allowBlock) return e.style;
    }
    if (!e.style || e.style === "'") {
      if (a.allowSingleQuoted && !(this.simpleKeyContext && a.multiline)) return "'";
    }
    return '"';
  }

  private processScalar(): void {
    const e = this.event as Extract<Ev, { t: 'Scalar' }>;
    this.analysis ??= this.analyzeScalar(e.value);
    this.style ??= this.chooseScalarStyle();
    const split = !this.simpleKeyContext;
    const text = this.analysis.scalar;
    if (this.style === '"') this.writeDoubleQuoted(text, split);
    else if (this.style === "'") this.writeSingleQuoted(text, split);
    else if (this.style === '>') this.writeFolded(text);
    else if (this.style === '|') this.writeLiteral(text);
    else this.writePlain(text, split);
    this.analysis = null;
    this.style = null;
  }

  private prepareTag(tag: string): string {
    if (tag === '!') return tag;
    let handle: string | null = null;
    let suffix = tag;
    for (const prefix of Object.keys(TAG_PREFIXES).sort()) {
      if (tag.startsWith(prefix) && (prefix === '!' || prefix.length < tag.length)) {
        handle = TAG_PREFIXES[prefix]!;
        suffix = tag.slice(prefix.length);
      }
    }
    let text = '';
    for (const ch of suffix) {
      if (/[0-9A-Za-z\-;/?:@&=+$,_.~*'()[\]]/.test(ch) || (ch === '!' && handle !== '!')) text += ch;
      else for (const b of Buffer.from(ch, 'utf8')) text += '%' + b.toString(16).toUpperCase().padStart(2, '0');
    }
    return handle ? handle + text : `!<${text}>`;
  }

  private analyzeScalar(scalar: string): Analysis {
    if (!scalar) {
      return { scalar, empty: true, multiline: false, allowFlowPlain: false, allowBlockPlain: true, allowSingleQuoted: true, allowDoubleQuoted: true, allowBlock: false };
    }
    const s = chars(scalar);
    let blockIndicators = false;
    let flowIndicators = false;
    let lineBreaks = false;
    let specialCharacters = false;
    let leadingSpace = false;
    let leadingBreak = false;
    let trailingSpace = false;
    let trailingBreak = false;
    let breakSpace = false;
    let spaceBreak = false;
    if (scalar.startsWith('---') || scalar.startsWith('...')) {
      blockIndicators = true;
      flowIndicators = true;
    }
    let precededByWhitespace = true;
    let followedByWhitespace = s.length === 1 || WS.includes(s[1]!);
    let previousSpace = false;
    let previousBreak = false;
    for (let index = 0; index < s.length; ) {
      const ch = s[index]!;
      if (index === 0) {
        if ('#,[]{}&*!|>\'"%@`'.includes(ch)) {
          flowIndicators = true;
          blockIndicators = true;
        }
        if (ch === '?' || ch === ':') {
          flowIndicators = true;
          if (followedByWhitespace) blockIndicators = true;
        }
        if (ch === '-' && followedByWhitespace) {
          flowIndicators = true;
          blockIndicators = true;
        }
      } else {
        if (',?[]{}'.includes(ch)) flowIndicators = true;
        if (ch === ':') {
          flowIndicators = true;
          if (followedByWhitespace) blockIndicators = true;
        }
        if (ch === '#' && precededByWhitespace) {
          flowIndicators = true;
          blockIndicators = true;
        }
      }
      if (isAnyBreak(ch)) lineBreaks = true;
      const code = cp(ch);
      if (!(ch === '\n' || (code >= 0x20 && code <= 0x7e))) {
        if (isPrintableUnicode(ch)) {
          if (!this.allowUnicode) specialCharacters = true;
        } else specialCharacters = true;
      }
      if (ch === ' ') {
        if (index === 0) leadingSpace = true;
        if (index === s.length - 1) trailingSpace = true;
        if (previousBreak) breakSpace = true;
        previousSpace = true;
        previousBreak = false;
      } else if (isAnyBreak(ch)) {
        if (index === 0) leadingBreak = true;
        if (index === s.length - 1) trailingBreak = true;
        if (previousSpace) spaceBreak = true;
        previousSpace = false;
        previousBreak = true;
      } else {
        previousSpace = false;
        previousBreak = false;
      }
      index++;
      precededByWhitespace = WS.includes(ch);
      followedByWhitespace = index + 1 >= s.length || WS.includes(s[index + 1]!);
    }
    let allowFlowPlain = true;
    let allowBlockPlain = true;
    let allowSingleQuoted = true;
    const allowDoubleQuoted = true;
    let allowBlock = true;
    if (leadingSpace || leadingBreak || trailingSpace || trailingBreak) allowFlowPlain = allowBlockPlain = false;
    if (trailingSpace) allowBlock = false;
    if (breakSpace) allowFlowPlain = allowBlockPlain = allowSingleQuoted = false;
    if (spaceBreak || specialCharacters) allowFlowPlain = allowBlockPlain = allowSingleQuoted = allowBlock = false;
    if (lineBreaks) allowFlowPlain = allowBlockPlain = false;
    if (flowIndicators) allowFlowPlain = false;
    if (blockIndicators) allowBlockPlain = false;
    return { scalar, empty: false, multiline: lineBreaks, allowFlowPlain, allowBlockPlain, allowSingleQuoted, allowDoubleQuoted, allowBlock };
  }

  /* writers */

  private write(data: string, n = chars(data).length): void {
    this.column += n;
    this.out.push(data);
  }

  private writeIndicator(indicator: string, needWhitespace: boolean, whitespace = false, indention = false): void {
    const data = this.whitespace || !needWhitespace ? indicator : ' ' + indicator;
    this.whitespace = whitespace;
    this.indention = this.indention && indention;
    this.openEnded = false;
    this.write(data);
  }

  private writeIndent(): void {
    const indent = this.indent ?? 0;
    if (!this.indention || this.column > indent || (this.column === indent && !this.whitespace)) this.writeLineBreak();
    if (this.column < indent) {
      this.whitespace = true;
      this.write(' '.repeat(indent - this.column));
    }
  }

  private writeLineBreak(data = '\n'): void {
    this.whitespace = true;
    this.indention = true;
    this.column = 0;
    this.out.push(data);
  }

  private writeSingleQuoted(textIn: string, split = true): void {
    this.writeIndicator("'", true);
    const text = chars(textIn);
    let spaces = false;
    let breaks = false;
    let start = 0;
    for (let end = 0; end <= text.length; end++) {
      const ch = end < text.length ? text[end]! : null;
      if (spaces) {
        if (ch === null || ch !== ' ') {
          if (start + 1 === end && this.column > this.bestWidth && split && start !== 0 && end !== text.length) this.writeIndent();
          else this.write(text.slice(start, end).join(''), end - start);
          start = end;
        }
      } else if (breaks) {
        if (ch === null || !isBreak(ch)) {
          if (text[start] === '\n') this.writeLineBreak();
          for (const br of text.slice(start, end)) this.writeLineBreak(br === '\n' ? '\n' : br);
          this.writeIndent();
          start = end;
        }
      } else if (ch === null || ch === ' ' || isBreak(ch) || ch === "'") {
        if (start < end) {
          this.write(text.slice(start, end).join(''), end - start);
          start = end;
        }
      }
      if (ch === "'") {
        this.write("''", 2);
        start = end + 1;
      }
      if (ch !== null) {
        spaces = ch === ' ';
        breaks = isBreak(ch);
      }
    }
    this.writeIndicator("'", false);
  }

  /** libyaml's double-quoted writer: a long line folds at a single space (the space becomes the line break). */
  private writeDoubleQuoted(textIn: string, split = true): void {
    this.writeIndicator('"', true);
    const text = chars(textIn);
    let spaces = false;
    for (let i = 0; i < text.length; i++) {
      const ch = text[i]!;
      if (!this.doubleQuotedPlain(ch) || ch === '\uFEFF' || isAnyBreak(ch) || ch === '"' || ch === '\\') {
        const code = cp(ch);
        let data: string;
        if (ESCAPES[ch] !== undefined) data = '\\' + ESCAPES[ch];
        else if (code <= 0xff) data = '\\x' + code.toString(16).toUpperCase().padStart(2, '0');
        else if (code <= 0xffff) data = '\\u' + code.toString(16).toUpperCase().padStart(4, '0');
        else data = '\\U' + code.toString(16).toUpperCase().padStart(8, '0');
        this.write(data);
        spaces = false;
      } else if (ch === ' ') {
        if (split && !spaces && this.column > this.bestWidth && i !== 0 && i !== text.length - 1) {
          this.writeIndent();
          if (text[i + 1] === ' ') this.write('\\');
        } else this.write(' ', 1);
        spaces = true;
      } else {
        this.write(ch, 1);
        spaces = false;
      }
    }
    this.writeIndicator('"', false);
  }

  private doubleQuotedPlain(ch: string): boolean {
    const n = cp(ch);
    return (n >= 0x20 && n <= 0x7e) || (this.allowUnicode && isPrintableUnicode(ch));
  }

  private blockHints(text: string[]): string {
    let hints = '';
    if (text.length) {
      if (' \n\x85\u2028\u2029'.includes(text[0]!)) hints += String(this.bestIndent);
      if (!isBreak(text[text.length - 1])) hints += '-';
      else if (text.length === 1 || isBreak(text[text.length - 2])) hints += '+';
    }
    return hints;
  }

  private writeFolded(textIn: string): void {
    const text = chars(textIn);
    const hints = this.blockHints(text);
    this.writeIndicator('>' + hints, true);
    if (hints.endsWith('+')) this.openEnded = true;
    this.writeLineBreak();
    let leadingSpace = true;
    let spaces = false;
    let breaks = true;
    let start = 0;
    for (let end = 0; end <= text.length; end++) {
      const ch = end < text.length ? text[end]! : null;
      if (breaks) {
        if (ch === null || !isBreak(ch)) {
          if (!leadingSpace && ch !== null && ch !== ' ' && text[start] === '\n') this.writeLineBreak();
          leadingSpace = ch === ' ';
          for (const br of text.slice(start, end)) this.writeLineBreak(br);
          if (ch !== null) this.writeIndent();
          start = end;
        }
      } else if (spaces) {
        if (ch !== ' ') {
          if (start + 1 === end && this.column > this.bestWidth) this.writeIndent();
          else this.write(text.slice(start, end).join(''), end - start);
          start = end;
        }
      } else if (ch === null || ch === ' ' || isBreak(ch)) {
        this.write(text.slice(start, end).join(''), end - start);
        if (ch === null) this.writeLineBreak();
        start = end;
      }
      if (ch !== null) {
        breaks = isBreak(ch);
        spaces = ch === ' ';
      }
    }
  }

  private writeLiteral(textIn: string): void {
    const text = chars(textIn);
    const hints = this.blockHints(text);
    this.writeIndicator('|' + hints, true);
    if (hints.endsWith('+')) this.openEnded = true;
    this.writeLineBreak();
    let breaks = true;
    let start = 0;
    for (let end = 0; end <= text.length; end++) {
      const ch = end < text.length ? text[end]! : null;
      if (breaks) {
        if (ch === null || !isBreak(ch)) {
          for (const br of text.slice(start, end)) this.writeLineBreak(br);
          if (ch !== null) this.writeIndent();
          start = end;
        }
      } else if (ch === null || isBreak(ch)) {
        this.write(text.slice(start, end).join(''), end - start);
        if (ch === null) this.writeLineBreak();
        start = end;
      }
      if (ch !== null) breaks = isBreak(ch);
    }
  }

  private writePlain(textIn: string, split = true): void {
    if (!textIn) return;
    const text = chars(textIn);
    if (!this.whitespace) this.write(' ', 1);
    this.whitespace = false;
    this.indention = false;
    let spaces = false;
    let breaks = false;
    let start = 0;
    for (let end = 0; end <= text.length; end++) {
      const ch = end < text.length ? text[end]! : null;
      if (spaces) {
        if (ch !== ' ') {
          if (start + 1 === end && this.column > this.bestWidth && split) {
            this.writeIndent();
            this.whitespace = false;
            this.indention = false;
          } else this.write(text.slice(start, end).join(''), end - start);
          start = end;
        }
      } else if (breaks) {
        if (!isBreak(ch ?? undefined)) {
          if (text[start] === '\n') this.writeLineBreak();
          for (const br of text.slice(start, end)) this.writeLineBreak(br);
          this.writeIndent();
          this.whitespace = false;
          this.indention = false;
          start = end;
        }
      } else if (ch === null || ch === ' ' || isBreak(ch)) {
        this.write(text.slice(start, end).join(''), end - start);
        start = end;
      }
      if (ch !== null) {
        spaces = ch === ' ';
        breaks = isBreak(ch);
      }
    }
  }
}

/** `yaml.dump(data, Dumper=..., **options)`: the whole YAML text (with its final newline). */
export function yamlDump(data: unknown, o: YamlDumpOptions = {}): string {
  const node = new Representer(o).represent(data);
  return new Emitter(o).run(serialize(node, o));
}

/** PyYAML's `Emitter.write_double_quoted` alone, unwrapped (Salt's `yaml_dquote`). */
export function yamlDoubleQuoted(text: string): string {
  return emitScalarOnly(text, '"');
}

/** PyYAML's `Emitter.write_single_quoted` alone, unwrapped (Salt's `yaml_squote`). */
export function yamlSingleQuoted(text: string): string {
  return emitScalarOnly(text, "'");
}

function emitScalarOnly(text: string, style: string): string {
  // A scalar in a simple-key context never wraps, as with width=sys.maxsize.
  const e = new Emitter({ width: -1 }) as unknown as {
    writeDoubleQuoted(t: string, split: boolean): void;
    writeSingleQuoted(t: string, split: boolean): void;
    out: string[];
  };
  if (style === '"') e.writeDoubleQuoted(text, false);
  else e.writeSingleQuoted(text, false);
  return e.out.join('');
}
