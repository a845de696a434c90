c_pkg:
  pkg.installed: []
extend:
  b_svc:
    service:
      - enable: True
