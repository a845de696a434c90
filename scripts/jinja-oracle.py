#!/usr/bin/env python3
"""Jinja2 conformance oracle: renders the Jinja conformance corpus with real Jinja2.

Usage: scripts/jinja-oracle.py [FILE.cases ...]
  (no arguments: every *.cases file of packages/render/test-fixtures/jinja-conformance/)

Each case is rendered by
  jinja2.sandbox.SandboxedEnvironment(undefined=StrictUndefined,
      extensions=['jinja2.ext.do', 'jinja2.ext.loopcontrols'], loader=<the case's files>, **options)
as the template "main.j2", and one JSON object is printed, keyed by case name:
  {"out": "<rendered text>", "digest": D}
  {"error": "<ExceptionClass>: <message>", "kind": "syntax|undefined|security|type|runtime|notfound",
   "file": "<template the error is in>" or null, "line": N or null, "digest": D}
For syntax errors file/line come from the exception; for runtime errors from the innermost
traceback frame that Jinja2 mapped back to one of the case's templates (the loader gives each
template its name as filename, so Jinja2's rewritten traceback frames carry it).
D is the sha256 of the case's texts as parsed (template, then "\0name\0text" per extra file):
the TypeScript loader computes the same, proving both parsers read the corpus identically.
The case format is documented in packages/render/src/jinja/conformance-cases.ts; this parser must agree.
"""
import glob
import hashlib
import json
import os
import re
import sys

try:
    import jinja2
    from jinja2 import exceptions as jexc
    from jinja2.sandbox import SandboxedEnvironment, SecurityError
except ImportError:
    sys.stderr.write("jinja-oracle: Python's jinja2 is missing: run scripts/install-deps.sh\n")
    sys.exit(3)
if not jinja2.__version__.startswith("3.1."):
    sys.stderr.write(f"jinja-oracle: Jinja2 3.1 is required, found {jinja2.__version__}: run scripts/install-deps.sh\n")
    sys.exit(3)

MAIN = "main.j2"
CORPUS = os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "packages", "render", "test-fixtures", "jinja-conformance")
OPTION_KEYS = {"trim_blocks", "lstrip_blocks", "keep_trailing_newline", "line_statement_prefix", "line_comment_prefix"}
CASE_RE = re.compile(r"^=== ([A-Za-z0-9][A-Za-z0-9._-]*)$")
SECTION_RE = re.compile(r"^--- (template|options (.*)|vars (.*)|file (\S+))$")


def parse(path):
    """Returns [(name, {options, vars, files, template})] of one corpus file."""
    with open(path, encoding="utf-8", newline="") as f:
        text = f.read()
    if text.endswith("\n"):
        text = text[:-1]
    lines = text.split("\n")
    cases = []
    i = 0
    while i < len(lines) and not CASE_RE.match(lines[i]):
        i += 1  # free header text
    while i < len(lines):
        name = CASE_RE.match(lines[i]).group(1)
        case = {"options": {}, "vars": {}, "files": {}, "template": None}
        i += 1
        while True:
            if i >= len(lines) or CASE_RE.match(lines[i]):
                raise SystemExit(f"{path}: case {name}: no '--- template' section")
            line = lines[i]
            m = SECTION_RE.match(line)
            if not m:
                if line == "" or line.startswith("#"):
                    i += 1  # notes between '=== name' and the first section
                    continue
                raise SystemExit(f"{path}:{i + 1}: case {name}: expected a '--- ' section, got {line!r}")
            i += 1
            if m.group(2) is not None:
                case["options"] = json.loads(m.group(2))
                bad = set(case["options"]) - OPTION_KEYS
                if bad:
                    raise SystemExit(f"{path}: case {name}: unknown options {sorted(bad)}")
            elif m.group(3) is not None:
                case["vars"] = json.loads(m.group(3))
            else:
                body = []
                last = m.group(1) == "template"
                while i < len(lines) and not CASE_RE.match(lines[i]) and (last or not SECTION_RE.match(lines[i])):
                    body.append(lines[i])
                    i += 1
                if last:
                    case["template"] = "\n".join(body)
                    break
                fname = m.group(4)
                if fname == MAIN or fname in case["files"]:
                    raise SystemExit(f"{path}: case {name}: duplicate file {fname}")
                case["files"][fname] = "\n".join(body)
        cases.append((name, case))
    return cases


class CaseLoader(jinja2.BaseLoader):
    """DictLoader that reports the template name as its filename, so tracebacks name the template."""

    def __init__(self, mapping):
        self.mapping = mapping

    def get_source(self, environment, template):
        if template not in self.mapping:
            raise jexc.TemplateNotFound(template)
        return self.mapping[template], template, lambda: True


def kind_of(exc):
    # Python's own SyntaxError: Jinja2 let the template through and Python refused the code it
    # generated (e.g. {% break %} outside a loop): a syntax error of the template all the same.
    if isinstance(exc, (jexc.TemplateSyntaxError, SyntaxError)):
        return "syntax"
    if isinstance(exc, SecurityError):
        return "security"
    if isinstance(exc, jexc.UndefinedError):
        return "undefined"
    if isinstance(exc, jexc.TemplateNotFound):  # TemplatesNotFound is a subclass
        return "notfound"
    if isinstance(exc, TypeError):
        return "type"
    return "runtime"


def digest(case):
    h = hashlib.sha256(case["template"].encode("utf-8"))
    for name, text in case["files"].items():
        h.update(f"\0{name}\0{text}".encode("utf-8"))
    return h.hexdigest()


def render(case):
    files = dict(case["files"])
    files[MAIN] = case["template"]
    env = SandboxedEnvironment(
        undefined=jinja2.StrictUndefined,
        extensions=["jinja2.ext.do", "jinja2.ext.loopcontrols"],
        loader=CaseLoader(files),
        **case["options"],
    )
    try:
        return {"out": env.get_template(MAIN).render(case["vars"])}
    except RecursionError:
        raise
    except Exception as exc:  # noqa: BLE001 - every template error is an answer
        res = {"error": f"{type(exc).__name__}: {exc}", "kind": kind_of(exc), "file": None, "line": None}
        if isinstance(exc, jexc.TemplateSyntaxError):
            res["file"] = exc.name or exc.filename
            res["line"] = exc.lineno
        elif isinstance(exc, SyntaxError):  # lineno is a line of the generated Python: not reported
            res["file"] = exc.filename if exc.filename in files else None
        else:
            tb = exc.__traceback__
            while tb is not None:
                if tb.tb_frame.f_code.co_filename in files:
                    res["file"] = tb.tb_frame.f_code.co_filename
                    res["line"] = tb.tb_lineno
                tb = tb.tb_next
        return res


def main(argv):
    paths = argv or sorted(glob.glob(os.path.join(CORPUS, "*.cases")))
    out = {}
    for path in paths:
        for name, case in parse(path):
            if name in out:
                raise SystemExit(f"{path}: duplicate case name {name}")
            out[name] = render(case)
            out[name]["digest"] = digest(case)
    json.dump(out, sys.stdout, indent=1, sort_keys=False)
    sys.stdout.write("\n")


if __name__ == "__main__":
    main(sys.argv[1:])
