# Pillar top: data per role, by the `roles` grain as the MASTER knows it. The master takes `roles` only from its
# own pins (`minion_grains` in the master config, or <config>/minion_grains/<id>.yaml; `minion_grains_only`
# defaults to [roles]): a minion that claims `roles: [kdct]` in its own config gets no keepalived auth_pass.
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
