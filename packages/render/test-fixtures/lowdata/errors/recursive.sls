f:
  pkg.installed:
    - require:
      - pkg: g
g:
  pkg.installed:
    - require:
      - pkg: f
