# Pillar top: data per role, roles come from the `roles` grain.
base:
  '*':
    - common
    - packages
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
