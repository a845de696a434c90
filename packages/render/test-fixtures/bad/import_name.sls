# imports
{% from "bad/macros.jinja" import nothere %}
a:
  test.nop: [{{ nothere() }}]
