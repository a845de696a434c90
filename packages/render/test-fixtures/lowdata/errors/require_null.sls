needs-nothing:
  pkg.installed:
    - require:
