# Site pillar for the Docker images (replaces pillar/site.sls in the master image).
# Node.js comes with the image (/usr/local/bin/node), not from Debian's nodejs package.
pkgs:
  nodejs: ''
webapp:
  node: /usr/local/bin/node
