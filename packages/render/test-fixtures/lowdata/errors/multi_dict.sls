c:
  service.running:
    - require:
      - pkg: a
      watch:
      - pkg: b
