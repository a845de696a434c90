a:
  test.nop: []
{% include "bad/not_there.jinja" %}
