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
