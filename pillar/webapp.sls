# The demo web app (role app): answers with its node id, streams slowly on /stream.
webapp:
  port: 8000
  dir: /srv/brine-webapp
  # The Node.js that runs it (Debian's nodejs package puts it here; the Docker images override it).
  node: /usr/bin/node
