include:
  - multi.c
a_pkg:
  pkg.installed:
    - require:
      - pkg: c_pkg
