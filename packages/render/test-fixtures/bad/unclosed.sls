a:
  test.nop: []
{% if grains.id %}
b:
  test.nop: []
{% for x in [1] %}{% endfor %}
