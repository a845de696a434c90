# The HA web stack's converge order, run on the master by `brine orchestrate orch.stack` (and by `brine lab up`):
# the app tier first, so its apps listen before nginx sends traffic (with max_fails=1 an early "connection
# refused" marks a backend down for fail_timeout); then a mine update, so the balancers render their upstreams
# from the apps' addresses; then every node (the apps report no changes).
app_tier:
  salt.state:
    - tgt: 'roles:app'
    - tgt_type: grain
    - highstate: True

mine_update:
  salt.function:
    - name: mine.update
    - tgt: '*'
    - require:
      - salt: app_tier

everything:
  salt.state:
    - tgt: '*'
    - highstate: True
    - require:
      - salt: mine_update
