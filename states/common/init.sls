# Base of every node: tools the roles' scripts use, and the supervisor's service directory
# (services run through Brine's supervisor provider: one YAML definition per service).
{% set pkgs = pillar['pkgs'] %}
common-packages:
  pkg.installed:
    - pkgs:
      - {{ pkgs['curl'] }}
      - {{ pkgs['iproute2'] }}

brine-services-dir:
  file.directory:
    - name: /etc/brine/services.d
    - makedirs: True
    - mode: '0755'
