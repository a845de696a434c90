# Pillar top: data per role, roles come from the `roles` grain.
base:
  '*':
    - common
    - packages
    # last, so it overrides: site-specific values (an empty site.sls here; `brine lab` puts its own site.sls
    # in a pillar root listed before this one, with the lab's subnet and VIP)
    - site
  'roles:kdct':
    - match: grain
    - keepalived
    - conntrackd
  'roles:nginx':
    - match: grain
    - nginx
  'roles:app':
    - match: grain
    - webapp
