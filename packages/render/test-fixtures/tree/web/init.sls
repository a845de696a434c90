include:
  - common
  - .config

nginx:
  pkg.installed: []
  service.running:
    - enable: True
    - watch:
      - file: nginx_conf
    - require:
      - pkg: nginx

webroot:
  file.directory:
    - name: /srv/www
    - mode: 0755
    - onchanges_in:
      - cmd: reload_hook

reload_hook:
  cmd.run:
    - name: /usr/local/bin/reload
    - onfail:
      - service: nginx
    - order: last

cleanup: file.absent

extend:
  motd:
    file:
      - source: salt://common/motd
      - require:
        - user: deploy_user
