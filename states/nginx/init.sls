# HTTP load balancer to the app tier. Upstreams from the mine; config checked with nginx -t before it
# replaces the live one; nginx runs under Brine's supervisor with everything under its own /run/nginx.
{% set pkgs = pillar['pkgs'] %}
include:
  - common

nginx-package:
  pkg.installed:
    - name: {{ pkgs['nginx'] }}

/run/nginx:
  file.directory:
    - makedirs: True
    - mode: '0755'

/etc/nginx/nginx.conf:
  file.managed:
    - source: salt://nginx/files/nginx.conf.j2
    - template: jinja
    - mode: '0644'
    - check_cmd: /usr/sbin/nginx -t -q -p /run/nginx/ -e /run/nginx/error.log -c
    - require:
      - pkg: nginx-package
      - file: /run/nginx

/etc/brine/services.d/nginx.yaml:
  file.managed:
    - source: salt://nginx/files/nginx.service.yaml.j2
    - template: jinja
    - mode: '0644'
    - require:
      - file: brine-services-dir

nginx:
  service.running:
    - enable: True
    - reload: True
    - require:
      - file: /run/nginx
    - watch:
      - file: /etc/nginx/nginx.conf
      - file: /etc/brine/services.d/nginx.yaml
