# The HA web stack: roles by grain (`roles: [kdct]` etc.).
#   kdct  : keepalived (VRRP VIP) + conntrackd (FTFW sync) + nftables L4 NAT of the VIP
#   nginx : HTTP load balancer to the app tier (upstreams from the mine)
#   app   : the demo web app
base:
  '*':
    - common
  'roles:kdct':
    - match: grain
    - conntrackd
    - keepalived
  'roles:nginx':
    - match: grain
    - nginx
  'roles:app':
    - match: grain
    - webapp
