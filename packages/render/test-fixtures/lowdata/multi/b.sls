include:
  - multi.c
b_svc:
  service.running:
    - name: b
    - order: last
extend:
  a_pkg:
    pkg:
      - version: 3
