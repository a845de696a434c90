{% set root = salt['pillar.get']('demo:root') ~ '/' ~ grains['id'] %}
include:
  - demo.common

demo_upstreams:
  file.managed:
    - name: {{ root }}/upstreams.conf
    - source: salt://demo/files/upstreams.conf.j2
    - template: jinja
    - require:
      - file: demo_root
