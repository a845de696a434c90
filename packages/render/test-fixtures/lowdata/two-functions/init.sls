postgres:
  pkg.latest:
    - name: postgresql
  service:
    - running
    - enable: True

redis:
  pkg:
    - installed
  service.running:
    - require:
      - pkg: redis

nginx:
  service.running: []
  pkg.installed: []

both-lists:
  service:
    - dead
  pkg:
    - removed
    - name: apache2
