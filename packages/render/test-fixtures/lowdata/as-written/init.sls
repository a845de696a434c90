include:
  - as-written.base

docker-daemon:
  file.managed:
    - name: /etc/docker/daemon.json
    - contents: '{}'

docker:
  pkg.installed: []
  service.running:
    - watch:
      - file: /etc/docker/daemon.json
    - require:
      - pkg: docker
      - docker-daemon
      - sls: as-written.base

docker-group:
  group.present:
    - name: docker
    - require_in:
      - service: docker
      - file: docker-daemon
    - watch_in:
      - service: docker
    - onchanges_in: {cmd: reload-docker}

reload-docker:
  cmd.run:
    - name: systemctl reload docker
    - prereq:
      - service: docker
    - listen_in:
      - service: docker
