# The VIP's L4 NAT (nftables DNAT to the next tier, SNAT to the VIP) with invalid-state drops.
# keepalived's virtual_server (LVS-NAT) is the alternative on hosts whose kernel has IPVS.
{% set nat = pillar['nat'] %}
/etc/nftables.d/brine-nat.nft:
  file.managed:
    - source: salt://conntrackd/files/brine-nat.nft.j2
    - template: jinja
    - makedirs: True
    - mode: '0644'
    - check_cmd: /usr/sbin/nft -c -f
    - require:
      - pkg: conntrackd-packages

# Load the ruleset when it is missing (fresh boot) ...
brine-nat-load:
  cmd.run:
    - name: /usr/sbin/nft -f /etc/nftables.d/brine-nat.nft
    - unless: /usr/sbin/nft list table ip {{ nat['table'] }}
    - require:
      - file: /etc/nftables.d/brine-nat.nft

# ... and replace it atomically when the file changed (the file deletes and recreates its own table).
brine-nat-reload:
  cmd.run:
    - name: /usr/sbin/nft -f /etc/nftables.d/brine-nat.nft
    - onchanges:
      - file: /etc/nftables.d/brine-nat.nft
    - require:
      - cmd: brine-nat-load
