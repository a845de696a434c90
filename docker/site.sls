# Site pillar for the Docker images (replaces pillar/site.sls in the master image).
# Node.js comes with the image (/usr/local/bin/node), not from Debian's nodejs package.
pkgs:
  nodejs: ''
webapp:
  node: /usr/local/bin/node
# the balancers' NAT health checker runs on the same Node.js
nat:
  health:
    node: /usr/local/bin/node
