# Shared network facts of the HA web stack. The defaults match `brine lab` (10.213.0.0/24 inside network
# namespaces only); on real hosts, or a lab on another subnet, override them in site.sls.
net:
  interface: eth0
  cidr: 10.213.0.0/24
  prefixlen: 24
  vip: 10.213.0.100

# What every minion publishes to the mine: its addresses on the service interface (a label like eth0:vip
# is a different interface, so the VIP never shows up here).
mine_functions:
  network.ip_addrs:
    - interface: eth0

# The L4 NAT the balancers do for the VIP: port -> role whose nodes receive the connections.
# The target port is the same port (DNAT keeps it). Only the nginx tier is exposed: the apps sit behind it.
nat:
  table: brine_nat
  services:
    - name: http
      port: 80
      role: nginx
  # The health checker of the NAT targets (service brine-nat-health on each balancer): GET http_path on every
  # target each `interval` s, given up after `timeout` s; down after `fall` failures in a row, up after `rise`
  # good answers; the nft slot map is re-applied every `resync` s. keepalived tracks `track_file` (0 = usable).
  health:
    interval: 0.1
    timeout: 0.3
    fall: 2
    rise: 2
    resync: 1
    http_path: /healthz
    track_file: /run/brine-nat/track
    # the Node.js that runs it (Debian's nodejs package; the Docker images override it in their site.sls)
    node: /usr/bin/node
