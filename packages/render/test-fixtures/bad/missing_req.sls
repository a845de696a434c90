first:
  pkg.installed: []

needy:
  service.running:
    - require:
      - pkg: ghost
