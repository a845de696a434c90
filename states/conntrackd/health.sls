# Balancer, part 3: the NAT health checker (service brine-nat-health, under Brine's supervisor). It asks every NAT
# target GET /healthz every 100 ms and keeps the ruleset's slot map (nat.sls) pointing at the healthy ones only,
# resets flows to a dead target, and writes keepalived's track file (0: the NAT path is usable).
# Targets from the mine, like the ruleset. Node.js runs it (pillar nat:health:node).
{% set pkgs = pillar['pkgs'] %}
{% set h = pillar['nat']['health'] %}
include:
  - common

{%- if pkgs['nodejs'] %}
nat-health-runtime:
  pkg.installed:
    - name: {{ pkgs['nodejs'] }}
{%- endif %}

/run/brine-nat:
  file.directory:
    - makedirs: True
    - mode: '0755'

/etc/brine-nat/nat-health.js:
  file.managed:
    - source: salt://conntrackd/files/nat-health.js
    - makedirs: True
    - mode: '0644'

/etc/brine-nat/health.json:
  file.managed:
    - source: salt://conntrackd/files/nat-health.json.j2
    - template: jinja
    - makedirs: True
    - mode: '0644'

/etc/brine/services.d/brine-nat-health.yaml:
  file.managed:
    - source: salt://conntrackd/files/nat-health.service.yaml.j2
    - template: jinja
    - mode: '0644'
    - require:
      - file: brine-services-dir

# reload = SIGHUP: re-read health.json and re-apply the verdicts at once (also after the ruleset was reloaded,
# which recreates the map with every target); a new nat-health.js makes it exit so its keeper starts the new one.
brine-nat-health:
  service.running:
    - enable: True
    - reload: True
    - require:
      - file: /run/brine-nat
      - cmd: brine-nat-load
{%- if pkgs['nodejs'] %}
      - pkg: nat-health-runtime
{%- endif %}
    - watch:
      - file: /etc/brine-nat/nat-health.js
      - file: /etc/brine-nat/health.json
      - file: /etc/brine/services.d/brine-nat-health.yaml
      - cmd: brine-nat-reload
