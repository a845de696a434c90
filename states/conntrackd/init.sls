# Balancer, part 1: kernel settings, the VIP's L4 NAT (nat.sls), its health checker (health.sls) and conntrackd's
# FTFW sync.
{% set pkgs = pillar['pkgs'] %}
include:
  - common
  - conntrackd.nat
  - conntrackd.health

conntrackd-packages:
  pkg.installed:
    - pkgs:
      - {{ pkgs['conntrackd'] }}
      - {{ pkgs['conntrack'] }}
      - {{ pkgs['nftables'] }}

# Forward the NATed flows; let keepalived's VIP be bound before it is local.
net.ipv4.ip_forward:
  sysctl.present:
    - value: 1

net.ipv4.ip_nonlocal_bind:
  sysctl.present:
    - value: 1

# Strict TCP tracking: a mid-stream packet without a (committed) conntrack entry is invalid and dropped,
# rather than picked up as a new flow. This is what makes the conntrackd commit observable.
net.netfilter.nf_conntrack_tcp_loose:
  sysctl.present:
    - value: 0

/run/conntrackd:
  file.directory:
    - makedirs: True
    - mode: '0755'

/etc/conntrackd/conntrackd.conf:
  file.managed:
    - source: salt://conntrackd/files/conntrackd.conf.j2
    - template: jinja
    - makedirs: True
    - mode: '0644'
    - require:
      - pkg: conntrackd-packages

/etc/brine/services.d/conntrackd.yaml:
  file.managed:
    - source: salt://conntrackd/files/conntrackd.service.yaml.j2
    - template: jinja
    - mode: '0644'
    - require:
      - file: brine-services-dir

conntrackd:
  service.running:
    - enable: True
    - require:
      - file: /run/conntrackd
      - cmd: brine-nat-load
    - watch:
      - file: /etc/conntrackd/conntrackd.conf
      - file: /etc/brine/services.d/conntrackd.yaml
