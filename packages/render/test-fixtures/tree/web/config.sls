include:
  - ..common

nginx_conf:
  file:
    - managed
    - name: /etc/nginx/nginx.conf
    - source: salt://web/files/nginx.conf
    - template: jinja
    - listen_in:
      - service: nginx
    - prereq:
      - sls: common.users

monitoring:
  service:
    - running
    - name: node-exporter
    - order: 5
    - failhard: True
    - require:
      - sls: common
    - listen:
      - pkg: curl
    - watch_in:
      - service: nginx
    - prereq_in:
      - cmd: reload_hook
    - onfail_in:
      - file: /etc/motd
    - require_in:
      - deploy_user
