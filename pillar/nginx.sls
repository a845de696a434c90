# nginx: HTTP load balancing to the app tier (upstream servers come from the mine, role app).
nginx:
  # The worker user: Debian's package runs nginx as www-data, Fedora/RHEL's as nginx.
  user: {{ 'nginx' if grains.get('os_family') == 'RedHat' else 'www-data' }}
  listen: 80
  worker_processes: 1
  upstream_port: 8000
  max_fails: 1
  fail_timeout: 5s
  proxy_connect_timeout: 300ms
  proxy_next_upstream: error timeout http_502 http_503
  proxy_next_upstream_tries: 2
