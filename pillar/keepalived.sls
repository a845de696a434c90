# VRRP for the balancers (role kdct). VRRPv3 with sub-second adverts by default; VRRPv3 has no
# authentication, so auth_pass is used only when vrrp_version is 2 (advert_int must then be whole seconds).
keepalived:
  vrrp_version: 3
  # 0.15 s: a backup takes over 3 x advert_int + skew after the last advert, ~0.46 s here; at 0.2 s that is
  # 0.61 s, just over the 0.6 s a dead link may cost (measured 0.46-0.62 s at 0.2 s).
  advert_int: 0.15
  virtual_router_id: 51
  instance: VI_BRINE
  # The higher priority owns the VIP (preempts after a restart). Per minion id.
  priorities:
    kdct1: 250
    kdct2: 240
  default_priority: 100
  auth_pass: br1neHA
  garp_master_delay: 1
  # The local NAT path is tracked through the NAT health checker's track file (pillar nat:health:track_file).
