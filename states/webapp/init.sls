# The demo web app: a dependency-free Node.js server that answers with its node id, run by the supervisor.
{% set pkgs = pillar['pkgs'] %}
{% set w = pillar['webapp'] %}
include:
  - common

{#- pkgs:nodejs empty: the runtime comes with the host (the Docker images ship their own Node.js) #}
{%- if pkgs['nodejs'] %}
webapp-runtime:
  pkg.installed:
    - name: {{ pkgs['nodejs'] }}
{%- endif %}

{{ w['dir'] }}/server.js:
  file.managed:
    - source: salt://webapp/files/server.js
    - makedirs: True
    - mode: '0644'

/etc/brine/services.d/webapp.yaml:
  file.managed:
    - source: salt://webapp/files/webapp.service.yaml.j2
    - template: jinja
    - mode: '0644'
    - require:
      - file: brine-services-dir

webapp:
  service.running:
    - enable: True
{%- if pkgs['nodejs'] %}
    - require:
      - pkg: webapp-runtime
{%- endif %}
    - watch:
      - file: {{ w['dir'] }}/server.js
      - file: /etc/brine/services.d/webapp.yaml
