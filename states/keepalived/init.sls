# Balancer, part 2: keepalived holds the VIP (VRRP), tracks the local NAT path (the health checker's track file)
# and, on every transition, runs the notify hook that commits conntrackd's synced entries (conntrackd's
# primary-backup.sh logic).
{% set pkgs = pillar['pkgs'] %}
include:
  - common
  - conntrackd

keepalived-package:
  pkg.installed:
    - name: {{ pkgs['keepalived'] }}

/run/keepalived:
  file.directory:
    - makedirs: True
    - mode: '0755'

# The former track script (polled every second): the NAT health checker's track file replaces it.
/etc/keepalived/check-nat-path.sh:
  file.absent

# the notify hook, run by keepalived as root (enable_script_security): owned by root, not writable by others
/etc/keepalived/notify.sh:
  file.managed:
    - source: salt://keepalived/files/notify.sh.j2
    - template: jinja
    - makedirs: True
    - mode: '0755'
    - user: root
    - group: root

/etc/keepalived/keepalived.conf:
  file.managed:
    - source: salt://keepalived/files/keepalived.conf.j2
    - template: jinja
    - makedirs: True
    - mode: '0644'
    # keepalived -t exits 5 on a bad config: the live file is only replaced by one that parses
    - check_cmd: /usr/sbin/keepalived -t -f
    - require:
      - pkg: keepalived-package
      - file: /etc/keepalived/notify.sh

/etc/brine/services.d/keepalived.yaml:
  file.managed:
    - source: salt://keepalived/files/keepalived.service.yaml.j2
    - template: jinja
    - mode: '0644'
    - require:
      - file: brine-services-dir

keepalived:
  service.running:
    - enable: True
    - reload: True
    - require:
      - file: /run/keepalived
      - service: conntrackd
      - service: brine-nat-health
      - cmd: brine-nat-load
    - watch:
      - file: /etc/keepalived/keepalived.conf
      - file: /etc/brine/services.d/keepalived.yaml
