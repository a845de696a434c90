# The demo web app (role app): answers with its node id, streams slowly on /stream.
webapp:
  port: 8000
  dir: /srv/brine-webapp
